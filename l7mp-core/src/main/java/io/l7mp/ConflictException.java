package io.l7mp;

/** An object with the same name already exists, or a change conflicts with the running configuration. */
public class ConflictException extends L7mpException {
    public ConflictException(String message) {
        super(message);
    }
}
