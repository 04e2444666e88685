package io.l7mp.spi;

/**
 * Implemented by listener-side stages whose input ends before the session does, such as an HTTP request body: a
 * cluster that needs the whole request before it answers (L7mpController) waits for its end. Call on the session's
 * loop.
 */
public interface RequestEnd {
    /**
     * Runs {@code callback} on the session's loop once the last byte of the request has been handed to the session
     * (at once when it already has). Bytes still travelling through a remote ingress transform may arrive later.
     */
    void onRequestEnd(Runnable callback);
}
