package io.l7mp;

import static java.util.Objects.requireNonNull;

/**
 * A configuration (file, builder or REST body) is invalid. {@link #path()} is the JSON path of the bad field, for
 * example {@code listeners[0].spec.port}; the message starts with it. Nothing of a rejected change took effect.
 */
public class ConfigException extends L7mpException {
    private final String path;
    private final String reason;

    public ConfigException(String path, String reason) {
        super(path.isEmpty() ? reason : path + ": " + reason);
        this.path = requireNonNull(path, "path");
        this.reason = reason;
    }

    public ConfigException(String path, String reason, Throwable cause) {
        super(path.isEmpty() ? reason : path + ": " + reason, cause);
        this.path = requireNonNull(path, "path");
        this.reason = reason;
    }

    /** Returns the JSON path of the offending field, or "" when the error concerns the whole document. */
    public String path() {
        return path;
    }

    /** Returns the message without the path. */
    public String reason() {
        return reason;
    }

    /** Returns a copy whose path is prefixed with {@code prefix} (e.g. "listeners[0]"). */
    public ConfigException under(String prefix) {
        if (prefix.isEmpty()) {
            return this;
        }
        final String p = path.isEmpty() ? prefix : path.startsWith("[") ? prefix + path : prefix + "." + path;
        return new ConfigException(p, reason, getCause() != null ? getCause() : this);
    }
}
