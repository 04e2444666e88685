package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A protocol spec without parameters, for pseudo-protocols such as {@code Echo} and {@code Discard}. */
public record BasicSpec(@JsonProperty("protocol") String protocol) implements ProtocolSpec {
    public BasicSpec {
        requireNonNull(protocol, "protocol");
    }
}
