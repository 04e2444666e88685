package io.l7mp;

/** The base of the typed, unchecked errors the library throws. */
public class L7mpException extends RuntimeException {
    public L7mpException(String message) {
        super(message);
    }

    public L7mpException(String message, Throwable cause) {
        super(message, cause);
    }
}
