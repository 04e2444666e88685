package io.l7mp.internal.protocol.ws;

/** The WebSocket peer closed with a code that says something went wrong (not 1000 or 1001). */
final class WebSocketClosedException extends RuntimeException {
    private final int code;
    private final String reason;

    WebSocketClosedException(int code, String reason) {
        super("WebSocket closed by peer: " + code + (reason.isEmpty() ? "" : " " + reason), null, false, false);
        this.code = code;
        this.reason = reason;
    }

    /** Returns the peer's close reason, possibly empty. */
    String reason() {
        return reason;
    }

    /** Returns the close code. */
    int code() {
        return code;
    }
}
