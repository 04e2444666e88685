package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An egress port: a protocol spec, the endpoints it balances over and a load-balancing policy.
 *
 * @param name         required for top-level clusters; generated for inline ones when absent
 * @param spec         the protocol and its parameters, shared by all endpoints
 * @param endpoints    the upstream addresses; empty for pseudo-protocols such as {@code Echo}
 * @param loadbalancer the policy; {@link LoadBalancerSpec#DEFAULT} when absent
 * @param options      free-form options, kept as given
 * @param healthCheck  ours: probe the endpoints and keep sessions off those that fail; none when null
 * @param circuitBreaker ours: eject endpoints that sessions keep failing to connect to; none when null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ClusterSpec(@JsonProperty("name") @Nullable String name,
                          @JsonProperty("spec") ProtocolSpec spec,
                          @JsonProperty("endpoints") List<EndpointSpec> endpoints,
                          @JsonProperty("loadbalancer") @Nullable LoadBalancerSpec loadbalancer,
                          @JsonProperty("options") @Nullable JsonNode options,
                          @JsonProperty("health_check") @Nullable HealthCheckSpec healthCheck,
                          @JsonProperty("circuit_breaker") @Nullable CircuitBreakerSpec circuitBreaker) {
    public ClusterSpec {
        Names.check(name);
        if (spec == null) {
            throw new IllegalArgumentException("spec: missing (expected: {protocol: ...})");
        }
        endpoints = Lists.copyOf(endpoints, "endpoints", "an endpoint");
        options = options == null ? null : options.deepCopy();
    }

    /** A cluster without health check or circuit breaker. */
    public ClusterSpec(@Nullable String name, ProtocolSpec spec, List<EndpointSpec> endpoints,
                       @Nullable LoadBalancerSpec loadbalancer, @Nullable JsonNode options) {
        this(name, spec, endpoints, loadbalancer, options, null, null);
    }

    /** Returns the balancer, {@link LoadBalancerSpec#DEFAULT} when none was given. */
    public LoadBalancerSpec loadBalancerOrDefault() {
        return loadbalancer != null ? loadbalancer : LoadBalancerSpec.DEFAULT;
    }

    public ClusterSpec withName(@Nullable String n) {
        return new ClusterSpec(n, spec, endpoints, loadbalancer, options, healthCheck, circuitBreaker);
    }

    public ClusterSpec withEndpoints(List<EndpointSpec> e) {
        return new ClusterSpec(name, spec, e, loadbalancer, options, healthCheck, circuitBreaker);
    }

    /** Returns a builder for a cluster of this name ({@code null} for an inline cluster). */
    public static Builder builder(@Nullable String name) {
        return new Builder(name);
    }

    /** Builds a {@link ClusterSpec}. Not thread-safe. */
    public static final class Builder {
        private @Nullable String name;
        private @Nullable ProtocolSpec spec;
        private final List<EndpointSpec> endpoints = new ArrayList<>();
        private @Nullable LoadBalancerSpec loadbalancer;
        private @Nullable JsonNode options;
        private @Nullable HealthCheckSpec healthCheck;
        private @Nullable CircuitBreakerSpec circuitBreaker;

        Builder(@Nullable String name) {
            this.name = Names.check(name);
        }

        /** Names the cluster (inline clusters get a generated name otherwise). */
        public Builder name(String n) {
            this.name = Names.check(requireNonNull(n, "name"));
            return this;
        }

        /** Sets the protocol spec. */
        public Builder spec(ProtocolSpec s) {
            this.spec = requireNonNull(s, "spec");
            return this;
        }

        /** Adds an endpoint. */
        public Builder endpoint(EndpointSpec e) {
            endpoints.add(requireNonNull(e, "endpoint"));
            return this;
        }

        /** Adds an endpoint at this address with weight 1. */
        public Builder endpoint(String address) {
            return endpoint(EndpointSpec.of(address));
        }

        /** Adds an endpoint at this address and port with weight 1. */
        public Builder endpoint(String address, int port) {
            return endpoint(EndpointSpec.of(address, port));
        }

        /** Sets the load-balancing policy. */
        public Builder loadBalancer(String policy, @Nullable String key) {
            this.loadbalancer = new LoadBalancerSpec(policy, key);
            return this;
        }

        /** Sets free-form options. */
        public Builder options(JsonNode o) {
            this.options = o;
            return this;
        }

        /** Probes the endpoints and keeps new sessions off those that fail. */
        public Builder healthCheck(HealthCheckSpec h) {
            this.healthCheck = requireNonNull(h, "healthCheck");
            return this;
        }

        /** Ejects endpoints that sessions keep failing to connect to. */
        public Builder circuitBreaker(CircuitBreakerSpec b) {
            this.circuitBreaker = requireNonNull(b, "circuitBreaker");
            return this;
        }

        /** Returns the spec. */
        public ClusterSpec build() {
            if (spec == null) {
                throw new IllegalArgumentException("spec: missing (expected: {protocol: ...})");
            }
            return new ClusterSpec(name, spec, endpoints, loadbalancer, options, healthCheck, circuitBreaker);
        }
    }
}
