package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Picks the endpoint(s) of a cluster for a new session. Immutable snapshot over one endpoint list; thread-safe. */
public interface LoadBalancer<E> {

    /** Returns the endpoint for a session with this metadata, or null when the cluster has none. */
    E pick(JsonNode metadata);

    /**
     * Returns every endpoint a fan-out session sends to (Multicast/Broadcast); a one-element list of pick() for the
     * others; empty when none.
     */
    List<E> pickAll(JsonNode metadata);

    /** True for policies that fan a datagram stream out to several endpoints. */
    default boolean fanOut() {
        return false;
    }
}
