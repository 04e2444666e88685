package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code loadbalancer} block of a cluster.
 *
 * @param policy {@code Trivial} (first endpoint, the default), {@code RoundRobin} (weighted),
 *               {@code ConsistentHash} or its alias {@code HashRing} (sticky on the metadata value at {@code key},
 *               weighted), {@code Multicast} (fan a datagram stream out to the endpoints named in the metadata at
 *               {@code key}) or {@code Broadcast} (fan out to every endpoint)
 * @param key    a metadata path such as {@code IP/src_addr}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoadBalancerSpec(@JsonProperty("policy") String policy, @JsonProperty("key") @Nullable String key) {
    /** Policy names accepted in {@code policy}. */
    public static final List<String> POLICIES =
            List.of("Trivial", "RoundRobin", "ConsistentHash", "HashRing", "Multicast", "Broadcast", "None");
    /** The balancer of a cluster without a {@code loadbalancer} block. */
    public static final LoadBalancerSpec DEFAULT = new LoadBalancerSpec("Trivial", null);

    public LoadBalancerSpec {
        if (policy == null) {
            policy = "Trivial";
        }
        if (!POLICIES.contains(policy)) {
            throw new IllegalArgumentException("policy: \"" + policy + "\" (expected: one of " + POLICIES + ")");
        }
    }

    /** Returns a balancer with this policy and no key. */
    public static LoadBalancerSpec of(String policy) {
        return new LoadBalancerSpec(policy, null);
    }
}
