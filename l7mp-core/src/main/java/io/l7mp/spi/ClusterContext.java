package io.l7mp.spi;

import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/** What the engine gives a {@link Cluster}: its name, its spec and the event loops. */
public interface ClusterContext {
    /** Returns the cluster's name. */
    String name();

    /** Returns the cluster's spec, of the provider's {@link ProtocolProvider#specType()}. */
    ProtocolSpec spec();

    /** Returns the event loops and channel types. */
    Transport transport();

    /**
     * Returns the provider registered under this protocol name or alias, or null when there is none. Composite
     * clusters (a chain of transforms, a cluster wrapped in transforms) use it to build the clusters they contain.
     */
    default @Nullable ProtocolProvider provider(String protocol) {
        return null;
    }

    /**
     * Returns {@code spec} bound to {@code provider}'s {@link ProtocolProvider#specType() spec record} and checked as
     * a cluster spec, the way a top-level cluster's spec is. Throws {@link IllegalArgumentException} whose message
     * starts with the field, or a {@link io.l7mp.ConfigException} naming its path, when it is invalid.
     */
    default ProtocolSpec typed(ProtocolProvider provider, ProtocolSpec spec) {
        if (!provider.specType().isInstance(spec)) {
            throw new IllegalArgumentException("protocol: \"" + spec.protocol() + "\" given as "
                    + spec.getClass().getSimpleName() + " (expected: " + provider.specType().getSimpleName() + ")");
        }
        provider.validate(spec, false);
        return spec;
    }

    /**
     * Returns the running cluster of this name, or null when there is none; look it up when a session needs it, as
     * routes resolve their names, not when the cluster is created (it may be defined later, or replaced).
     */
    default @Nullable NamedCluster cluster(String name) {
        return null;
    }

    /**
     * Returns the proxy this cluster runs in, for pseudo-protocols that steer it (L7mpController) or report on it
     * (Prometheus). Do not block on its futures from an event loop.
     *
     * @throws IllegalStateException where the context belongs to no running proxy
     */
    default L7mp proxy() {
        throw new IllegalStateException("this cluster context has no proxy");
    }
}
