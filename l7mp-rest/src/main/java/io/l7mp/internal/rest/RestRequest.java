package io.l7mp.internal.rest;

import org.jspecify.annotations.Nullable;

/**
 * One API call, as the controller read it from the session.
 *
 * @param method        the HTTP method
 * @param url           the request target, e.g. {@code /api/v1/listeners?recursive=true}
 * @param contentType   the {@code Content-Type} header, or null
 * @param authorization the {@code Authorization} header, or null
 * @param body          the whole request body
 * @param session       the name of the session carrying the call
 */
record RestRequest(String method, String url, @Nullable String contentType, @Nullable String authorization,
                   byte[] body, String session) {
}
