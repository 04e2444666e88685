package io.l7mp.spi;

import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;

/** What the engine gives a {@link Cluster}: its name, its spec and the event loops. */
public interface ClusterContext {
    /** Returns the cluster's name. */
    String name();

    /** Returns the cluster's spec, of the provider's {@link ProtocolProvider#specType()}. */
    ProtocolSpec spec();

    /** Returns the event loops and channel types. */
    Transport transport();

    /**
     * Returns the proxy this cluster runs in, for pseudo-protocols that steer it (L7mpController) or report on it
     * (Prometheus). Do not block on its futures from an event loop.
     *
     * @throws UnsupportedOperationException where the context belongs to no running proxy
     */
    default L7mp proxy() {
        throw new UnsupportedOperationException("this cluster context has no proxy");
    }
}
