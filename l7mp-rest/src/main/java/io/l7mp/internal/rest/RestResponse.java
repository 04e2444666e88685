package io.l7mp.internal.rest;

import java.util.Map;

/**
 * What the API answers.
 *
 * @param status      the HTTP status
 * @param contentType the body's media type
 * @param body        the body (owned by the response; not copied)
 * @param headers     extra headers, e.g. {@code Allow} on a 405
 */
record RestResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    RestResponse(int status, String contentType, byte[] body) {
        this(status, contentType, body, Map.of());
    }
}
