package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * One upstream address of a cluster. The remote port is the endpoint's {@code spec.port} when given, else the
 * cluster's {@code spec.port} (l7mp uses only the latter). {@code weight} is read next to {@code spec} (as l7mp's
 * code and README have it) or inside it (as its OpenAPI document has it).
 *
 * @param name   the endpoint name; generated ({@code <cluster>-EndPoint-<n>}) when absent
 * @param spec   the address
 * @param weight the load-balancing weight, {@code >= 0}, default 1
 */
public record EndpointSpec(@Nullable String name, Address spec, int weight) {
    /** The weight of an endpoint that does not give one. */
    public static final int DEFAULT_WEIGHT = 1;

    public EndpointSpec {
        Names.check(name);
        requireNonNull(spec, "spec");
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
        }
    }

    @JsonCreator
    static EndpointSpec fromJson(@JsonProperty("name") @Nullable String name,
                                 @JsonProperty("spec") @Nullable Address spec,
                                 @JsonProperty("weight") @Nullable Integer weight) {
        if (spec == null) {
            throw new IllegalArgumentException("spec: missing (expected: {address: <host, IP or path>})");
        }
        final Integer w = weight != null ? weight : spec.weight();
        return new EndpointSpec(name, new Address(spec.address(), spec.port(), null), w != null ? w : DEFAULT_WEIGHT);
    }

    /** Returns an endpoint at this address with weight 1. */
    public static EndpointSpec of(String address) {
        return new EndpointSpec(null, new Address(address, null, null), DEFAULT_WEIGHT);
    }

    /** Returns an endpoint at this address and port with weight 1. */
    public static EndpointSpec of(String address, int port) {
        return new EndpointSpec(null, new Address(address, port, null), DEFAULT_WEIGHT);
    }

    public EndpointSpec withName(@Nullable String n) {
        return new EndpointSpec(n, spec, weight);
    }

    public EndpointSpec withWeight(int w) {
        return new EndpointSpec(name, spec, w);
    }

    /**
     * The {@code spec} of an endpoint.
     *
     * @param address a host name, an IP address or a Unix socket path
     * @param port    overrides the cluster's port for this endpoint
     * @param weight  accepted here too for OpenAPI-shaped input; moved to the endpoint when read
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Address(@JsonProperty("address") String address,
                          @JsonProperty("port") @Nullable Integer port,
                          @JsonProperty("weight") @Nullable Integer weight) {
        public Address {
            if (address == null || address.isEmpty()) {
                throw new IllegalArgumentException("address: missing (expected: a host name, IP address or path)");
            }
            if (port != null && (port < 0 || port > 65535)) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
            }
        }
    }
}
