package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** When a route retries: l7mp's {@code retry_on} values. */
public enum RetryOn {
    /** Never retry: a failed connect or a disconnect ends the session (the default). */
    NEVER("never"),
    /** Retry stages that fail to connect. */
    CONNECT_FAILURE("connect-failure"),
    /** Reconnect stages that disconnect after they were connected. */
    DISCONNECT("disconnect"),
    /** Both connect failures and disconnects. */
    ALWAYS("always");

    private final String value;

    RetryOn(String value) {
        this.value = value;
    }

    /** Returns the l7mp spelling. */
    @JsonValue
    public String value() {
        return value;
    }

    /** Returns true when connect failures are retried. */
    public boolean onConnectFailure() {
        return this == CONNECT_FAILURE || this == ALWAYS;
    }

    /** Returns true when disconnects are retried. */
    public boolean onDisconnect() {
        return this == DISCONNECT || this == ALWAYS;
    }

    /** Parses the l7mp spelling. */
    @JsonCreator
    public static RetryOn of(String value) {
        for (final RetryOn r : values()) {
            if (r.value.equals(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException("retry_on: \"" + value + "\" (expected: one of "
                + Arrays.stream(values()).map(RetryOn::value).toList() + ")");
    }
}
