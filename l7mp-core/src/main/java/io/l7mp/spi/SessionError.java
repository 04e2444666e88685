package io.l7mp.spi;

/**
 * Why a session or one of its stages failed, with an HTTP-like status that listeners able to answer (HTTP) report:
 * 404 no route or no endpoint, 502 connect failure, 504 connect timeout, 500 otherwise.
 */
public class SessionError extends RuntimeException {
    private final int status;

    public SessionError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public SessionError(int status, String message, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
    }

    /** Returns the HTTP-like status code. */
    public int status() {
        return status;
    }
}
