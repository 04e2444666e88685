package io.l7mp;

import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.StreamKind;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/** A protocol that binds nothing, for tests of the control path: listeners never emit, clusters never connect. */
final class NullProtocol implements ProtocolProvider {
    private final String name;
    private final boolean endpoints;

    NullProtocol(String name, boolean endpoints) {
        this.name = name;
        this.endpoints = endpoints;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    public boolean hasListener() {
        return true;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean hasEndpoints() {
        return endpoints;
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new Listener() {
            @Override
            public CompletableFuture<Void> start() {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public SocketAddress localAddress() {
                return null;
            }

            @Override
            public CompletableFuture<Void> close() {
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return r -> r.eventLoop().newFailedFuture(new SessionError(502, "null protocol"));
    }
}
