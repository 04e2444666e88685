package io.l7mp.internal.rest;

import java.util.Map;

/** An API call answered with an error status; {@code content} is the reason the client reads. */
final class ApiException extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    ApiException(int status, String content) {
        this(status, content, Map.of());
    }

    ApiException(int status, String content, Map<String, String> headers) {
        super(content, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
