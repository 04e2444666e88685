package io.l7mp.internal.lb;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/** Factory for the load-balancing policies of a cluster. */
public final class LoadBalancers {

    /** Known policy names as l7mp and we spell them. */
    public static final List<String> POLICIES =
            List.of("Trivial", "RoundRobin", "ConsistentHash", "HashRing", "Multicast", "Broadcast");

    private LoadBalancers() {
    }

    /**
     * Creates a balancer. policy: one of POLICIES (case-sensitive; unknown -> IllegalArgumentException
     * "policy: \"X\" (expected: one of [...])"). key: a metadata path (l7mp style "/IP/src_addr" or "IP/src_addr",
     * may be null). endpoints: in cluster order. weight: endpoint weight (>= 0; 0 = never picked unless all are 0).
     * id: a stable identity string of the endpoint (its address, or name) used for hashing and for Multicast selection.
     */
    public static <E> LoadBalancer<E> create(final String policy, final String key, final List<E> endpoints,
                                             final ToIntFunction<E> weight, final Function<E, String> id) {
        if (policy == null || !POLICIES.contains(policy)) {
            throw new IllegalArgumentException("policy: " + (policy == null ? "null" : "\"" + policy + "\"")
                    + " (expected: one of " + POLICIES + ")");
        }
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(id, "id");
        final List<E> snapshot = List.copyOf(endpoints);
        final int[] weights = Weights.effective(snapshot, weight);
        final MetadataPath path = MetadataPath.parse(key);
        switch (policy) {
            case "Trivial":
                return new TrivialBalancer<>(snapshot, weights);
            case "RoundRobin":
                return new RoundRobinBalancer<>(snapshot, weights);
            case "ConsistentHash":
            case "HashRing":
                return new ConsistentHashBalancer<>(path, snapshot, weights, ids(snapshot, id));
            case "Multicast":
                return new MulticastBalancer<>(path, snapshot, weights, ids(snapshot, id));
            case "Broadcast":
                return new BroadcastBalancer<>(snapshot, weights);
            default:
                throw new AssertionError(policy);
        }
    }

    private static <E> String[] ids(final List<E> endpoints, final Function<E, String> id) {
        final String[] ids = new String[endpoints.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Objects.requireNonNull(id.apply(endpoints.get(i)), "id of endpoint " + i);
        }
        return ids;
    }
}
