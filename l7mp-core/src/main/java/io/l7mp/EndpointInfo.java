package io.l7mp;

import io.l7mp.spec.EndpointSpec;

/**
 * An endpoint of a cluster.
 *
 * @param cluster the cluster it belongs to
 * @param spec    its spec (named)
 * @param stats   its counters
 * @param health  whether it gets new sessions, per its cluster's health check and circuit breaker
 */
public record EndpointInfo(String cluster, EndpointSpec spec, Stats stats, EndpointHealth health) {
    /** Returns the endpoint's name. */
    public String name() {
        return spec.name() == null ? "" : spec.name();
    }
}
