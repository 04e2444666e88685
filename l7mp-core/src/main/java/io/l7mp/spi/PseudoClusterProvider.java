package io.l7mp.spi;

import static java.util.Objects.requireNonNull;

import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;

/**
 * The base of a pseudo-protocol cluster: a cluster with no endpoints and no listener that keeps message boundaries,
 * such as {@code Echo}, {@code Discard} or a local transform. A subclass passes its name and creates its cluster; it
 * overrides {@link #specType()} when its spec has parameters. ServiceLoader still needs a public no-arg constructor in
 * the subclass.
 */
public abstract class PseudoClusterProvider implements ProtocolProvider {
    private final String name;

    /** Takes the protocol name as written in {@code spec.protocol}. */
    protected PseudoClusterProvider(String name) {
        this.name = requireNonNull(name, "name");
    }

    @Override
    public final String name() {
        return name;
    }

    /** Returns {@link BasicSpec}: a spec with nothing but {@code protocol}. */
    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    public final boolean hasCluster() {
        return true;
    }

    @Override
    public final boolean hasEndpoints() {
        return false;
    }

    @Override
    public abstract Cluster newCluster(ClusterContext ctx);
}
