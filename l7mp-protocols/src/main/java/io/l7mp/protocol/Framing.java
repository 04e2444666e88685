package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a byte-stream listener or cluster (TCP, UnixDomainSocket) cuts its stream into messages. With
 * {@link #LENGTH_PREFIXED} each message travels as a 4-byte big-endian length and the message itself, so datagrams
 * keep their boundaries across a stream hop between two l7mp proxies, and the stage counts as a datagram-stream.
 */
public enum Framing {
    /** A plain byte stream: message boundaries are lost (the default). */
    @JsonProperty("none")
    NONE("none"),
    /** Each message is preceded by its length as a 4-byte big-endian integer. */
    @JsonProperty("length-prefixed")
    LENGTH_PREFIXED("length-prefixed");

    /** The largest message a length-prefixed stream accepts; a longer one ends the stage with an error. */
    public static final int MAX_FRAME = 16 * 1024 * 1024;

    private final String value;

    Framing(String value) {
        this.value = value;
    }

    /** Returns the name used in configs, e.g. {@code length-prefixed}. */
    @Override
    public String toString() {
        return value;
    }
}
