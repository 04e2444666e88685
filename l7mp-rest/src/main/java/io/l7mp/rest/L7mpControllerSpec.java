package io.l7mp.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: L7mpController}, a cluster without endpoints that serves l7mp's REST API ({@code /api/v1/...})
 * for the HTTP requests routed to it.
 *
 * @param protocol    "L7mpController"
 * @param maxBodySize the largest request body it reads, in bytes; larger ones get {@code 413}. Default
 *                    {@link #DEFAULT_MAX_BODY_SIZE}
 * @param bodyTimeout how long a request's body may take to arrive, in milliseconds from its head; a slower one gets
 *                    {@code 408} and its connection is closed. Default {@link #DEFAULT_BODY_TIMEOUT_MILLIS}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record L7mpControllerSpec(@JsonProperty("protocol") String protocol,
                                 @JsonProperty("max_body_size") @Nullable Integer maxBodySize,
                                 @JsonProperty("body_timeout") @Nullable Long bodyTimeout)
        implements ProtocolSpec {
    /** The body limit when none is given: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_SIZE = 1 << 20;
    /** The body timeout when none is given: 30 s, ample for 1 MiB on a slow link, short for a stalled client. */
    public static final long DEFAULT_BODY_TIMEOUT_MILLIS = 30_000;

    public L7mpControllerSpec {
        if (protocol == null) {
            protocol = "L7mpController";
        }
        if (maxBodySize != null && maxBodySize < 0) {
            throw new IllegalArgumentException("max_body_size: " + maxBodySize + " (expected: >= 0 bytes)");
        }
        if (bodyTimeout != null && bodyTimeout <= 0) {
            throw new IllegalArgumentException("body_timeout: " + bodyTimeout + " (expected: > 0 ms)");
        }
    }

    /** Returns a controller spec with the default limits. */
    public static L7mpControllerSpec of() {
        return new L7mpControllerSpec("L7mpController", null, null);
    }

    /** Returns the body limit in bytes. */
    public int maxBodySizeOrDefault() {
        return maxBodySize != null ? maxBodySize : DEFAULT_MAX_BODY_SIZE;
    }

    /** Returns the body timeout in milliseconds. */
    public long bodyTimeoutOrDefault() {
        return bodyTimeout != null ? bodyTimeout : DEFAULT_BODY_TIMEOUT_MILLIS;
    }
}
