package io.l7mp.spi;

import java.util.Map;

/**
 * Implemented by listener-side stages that answer a request (HTTP): a cluster calls it, before writing its first
 * bytes, to set the response status and headers instead of the default {@code 200}. Call on the session's loop.
 */
public interface ResponseHead {
    /**
     * Sets the status and extra headers of the response; ignored once the response has started. A
     * {@code connection: close} header is not passed on: it asks that no request follow this one on the connection.
     */
    void responseHead(int status, Map<String, String> headers);
}
