package io.l7mp.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/** What the engine gives a {@link Listener}: its name, its spec, the event loops and a way to start sessions. */
public interface ListenerContext {
    /** Returns the listener's name. */
    String name();

    /** Returns the listener's spec, of the provider's {@link ProtocolProvider#specType()}. */
    ProtocolSpec spec();

    /** Returns the event loops and channel types. */
    Transport transport();

    /**
     * Starts a session for a new connection. Must be called on {@code source.eventLoop()}, which becomes the session's
     * loop. The engine routes the session, connects its other stages, then calls {@code source.bind}; when routing
     * fails it calls {@code source.close} with a {@link SessionError}.
     *
     * @param name     a protocol-specific session name, e.g. {@code UDP:127.0.0.1:5000-0.0.0.0:15000-1}; made
     *                 unique by the engine
     * @param metadata the session metadata as l7mp lays it out ({@code IP}, {@code UDP}, {@code TCP}, ...); the
     *                 engine owns it from now on
     * @param source   the accepted connection
     */
    void newSession(String name, ObjectNode metadata, Stage source);

    /**
     * Returns the provider registered under this protocol name or alias, or null. A listener made of other protocols
     * (a meta-listener) uses it to build its parts.
     */
    default @Nullable ProtocolProvider provider(String protocol) {
        return null;
    }

    /**
     * Returns {@code spec} bound to {@code provider}'s spec record and checked for the role ({@code listener} or
     * cluster), the way a top-level spec is. Throws {@link IllegalArgumentException} whose message starts with the
     * field, or a {@link io.l7mp.ConfigException} naming its path.
     */
    default ProtocolSpec typed(ProtocolProvider provider, ProtocolSpec spec, boolean listener) {
        if (!provider.specType().isInstance(spec)) {
            throw new IllegalArgumentException("protocol: \"" + spec.protocol() + "\" given as "
                    + spec.getClass().getSimpleName() + " (expected: " + provider.specType().getSimpleName() + ")");
        }
        provider.validate(spec, listener);
        return spec;
    }

    /**
     * Returns the context of a cluster this listener creates for itself (a meta-listener's transforms), named
     * {@code name}; it sees the proxy's protocols and clusters as a top-level cluster does.
     *
     * @throws IllegalStateException where the context belongs to no engine
     */
    default ClusterContext clusterContext(String name, ProtocolSpec spec) {
        throw new IllegalStateException("this listener context cannot create clusters");
    }

    /** Returns the running cluster of this name, or null; see {@link ClusterContext#cluster}. */
    default @Nullable NamedCluster cluster(String name) {
        return null;
    }
}
