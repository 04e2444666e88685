package io.l7mp.internal.rest;

import io.l7mp.rest.L7mpControllerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * {@code L7mpController}: a cluster without endpoints that runs l7mp's REST API on the proxy it belongs to, one call
 * per HTTP request routed to it. Not retriable: a call is never replayed.
 */
public final class L7mpControllerProtocol implements ProtocolProvider {
    @Override
    public String name() {
        return "L7mpController";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return L7mpControllerSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean hasEndpoints() {
        return false;
    }

    @Override
    public boolean retriable() {
        return false;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return new ControllerCluster(ctx, (L7mpControllerSpec) ctx.spec());
    }

    private static final class ControllerCluster implements Cluster {
        private final ClusterContext ctx;
        private final L7mpControllerSpec spec;
        private volatile @Nullable RestService service;

        ControllerCluster(ClusterContext ctx, L7mpControllerSpec spec) {
            this.ctx = ctx;
            this.spec = spec;
        }

        @Override
        public Future<Stage> connect(ConnectRequest r) {
            if (!r.metadata().path("HTTP").isObject()) {
                return r.eventLoop().newFailedFuture(new SessionError(400, "cluster " + ctx.name()
                        + ": L7mpController serves HTTP requests only (route an HTTP listener to it)"));
            }
            RestService s = service;
            if (s == null) {
                try {
                    s = new RestService(ctx.proxy());
                } catch (final IllegalStateException e) {
                    return r.eventLoop().newFailedFuture(new SessionError(503, e.getMessage()));
                }
                service = s;
            }
            return r.eventLoop().newSucceededFuture(new ControllerStage(r, s, spec.maxBodySizeOrDefault(),
                    spec.bodyTimeoutOrDefault()));
        }
    }
}
