package io.l7mp.spi;

import io.l7mp.spec.ProtocolSpec;

/** What the engine gives a {@link Cluster}: its name, its spec and the event loops. */
public interface ClusterContext {
    /** Returns the cluster's name. */
    String name();

    /** Returns the cluster's spec, of the provider's {@link ProtocolProvider#specType()}. */
    ProtocolSpec spec();

    /** Returns the event loops and channel types. */
    Transport transport();
}
