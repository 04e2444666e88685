package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.l7mp.spec.ProtocolSpec;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Adds a protocol. Found by {@link ServiceLoader} ({@code META-INF/services/io.l7mp.spi.ProtocolProvider}): public
 * no-arg constructor, no I/O, never throws.
 */
@UnstableApi
public interface ProtocolProvider {
    /** Returns {@code spec.protocol} as l7mp spells it: "UDP", "WebSocket". */
    String name();

    /** Returns other accepted spellings, e.g. "WS". */
    default Set<String> aliases() {
        return Set.of();
    }

    /** Returns the priority; the highest wins a shared name. */
    default int priority() {
        return 0;
    }

    /** Returns false where this OS or JVM cannot run the protocol. */
    default boolean isAvailable() {
        return true;
    }

    /** Returns why the protocol is unavailable, when {@link #isAvailable()} is false. */
    default String unavailableReason() {
        return "";
    }

    /** Returns the record a spec with this name binds to. */
    Class<? extends ProtocolSpec> specType();

    /** Returns whether the protocol keeps message boundaries. */
    StreamKind streamKind();

    /** Returns true when the protocol can listen. */
    default boolean hasListener() {
        return false;
    }

    /** Returns true when the protocol can be a cluster. */
    default boolean hasCluster() {
        return false;
    }

    /** Returns false for pseudo-protocols whose clusters have no endpoints (Echo, Logger, ...). */
    default boolean hasEndpoints() {
        return true;
    }

    /**
     * Returns false when a cluster's successful connect says nothing about whether the endpoint is there (UDP, Unix
     * datagram sockets): a health check then has to send a message and wait for the answer.
     */
    default boolean connectProvesReachability() {
        return true;
    }

    /** Returns false when a disconnected stage of this protocol cannot be reconnected (Stdio, L7mpController). */
    default boolean retriable() {
        return true;
    }

    /** Returns true when the protocol reaches local resources (files, processes, stdio): refused over REST by default. */
    default boolean touchesLocalSystem() {
        return false;
    }

    /**
     * Returns the local files a spec names, by field relative to the spec ({@code filename}, {@code tls.cert},
     * {@code log_file}, ...): Unix socket paths, PEM files, log files, as written (relative ones resolve against the
     * working directory). The REST API refuses a spec naming a file outside {@code admin.local_dirs} unless
     * {@code admin.allow_local} is true. Default: none.
     */
    default Map<String, String> localPaths(ProtocolSpec spec) {
        return Map.of();
    }

    /** Returns true when a cluster with this spec takes its endpoints' addresses as local paths (Unix sockets). */
    default boolean endpointsAreLocalPaths(ProtocolSpec spec) {
        return false;
    }

    /**
     * Returns the specs given inline inside {@code spec} by their field (a composite's elements, e.g.
     * {@code transforms[0]}), so that a check of what a spec may reach, such as the REST API's refusal of
     * {@link #touchesLocalSystem()} protocols, looks into them too. Default: none.
     */
    default Map<String, ProtocolSpec> parts(ProtocolSpec spec) {
        return Map.of();
    }

    /**
     * Checks a spec beyond what its record checks, for the given role. Throws {@link IllegalArgumentException} whose
     * message starts with the field, e.g. {@code "connect.port: -1 (expected: 0-65535)"}.
     */
    default void validate(ProtocolSpec spec, boolean listener) {
    }

    /** Creates a listener; called only when {@link #hasListener()}. */
    default Listener newListener(ListenerContext ctx) {
        throw new IllegalStateException(name() + " has no listener");
    }

    /** Creates a cluster; called only when {@link #hasCluster()}. */
    default Cluster newCluster(ClusterContext ctx) {
        throw new IllegalStateException(name() + " has no cluster");
    }
}
