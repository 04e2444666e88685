package io.l7mp.internal.lb;

import java.util.List;

/** Test endpoint: a name used as id, and a weight. */
record Ep(String name, int weight) {

    /** Builds a balancer over these endpoints with the record's weight and name. */
    static LoadBalancer<Ep> balancer(final String policy, final String key, final List<Ep> endpoints) {
        return LoadBalancers.create(policy, key, endpoints, Ep::weight, Ep::name);
    }

    @Override
    public String toString() {
        return name;
    }
}
