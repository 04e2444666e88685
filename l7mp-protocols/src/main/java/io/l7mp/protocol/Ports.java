package io.l7mp.protocol;

import org.jspecify.annotations.Nullable;

/** Port checks shared by the spec records. */
final class Ports {
    private Ports() {
    }

    static @Nullable Integer check(String field, @Nullable Integer port) {
        if (port != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException(field + ": " + port + " (expected: 0-65535)");
        }
        return port;
    }
}
