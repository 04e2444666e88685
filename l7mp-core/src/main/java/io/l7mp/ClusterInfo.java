package io.l7mp;

import io.l7mp.spec.ClusterSpec;
import java.util.List;

/**
 * A cluster and its endpoints.
 *
 * @param spec      its spec, every endpoint named
 * @param generated true when it was defined inline
 * @param stats     its counters
 * @param endpoints its endpoints with their counters
 */
public record ClusterInfo(ClusterSpec spec, boolean generated, Stats stats, List<EndpointInfo> endpoints) {
    /** Returns the cluster's name. */
    public String name() {
        return spec.name() == null ? "" : spec.name();
    }
}
