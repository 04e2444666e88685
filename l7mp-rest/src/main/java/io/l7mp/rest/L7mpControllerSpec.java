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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record L7mpControllerSpec(@JsonProperty("protocol") String protocol,
                                 @JsonProperty("max_body_size") @Nullable Integer maxBodySize)
        implements ProtocolSpec {
    /** The body limit when none is given: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_SIZE = 1 << 20;

    public L7mpControllerSpec {
        if (protocol == null) {
            protocol = "L7mpController";
        }
        if (maxBodySize != null && maxBodySize < 0) {
            throw new IllegalArgumentException("max_body_size: " + maxBodySize + " (expected: >= 0 bytes)");
        }
    }

    /** Returns a controller spec with the default body limit. */
    public static L7mpControllerSpec of() {
        return new L7mpControllerSpec("L7mpController", null);
    }

    /** Returns the body limit in bytes. */
    public int maxBodySizeOrDefault() {
        return maxBodySize != null ? maxBodySize : DEFAULT_MAX_BODY_SIZE;
    }
}
