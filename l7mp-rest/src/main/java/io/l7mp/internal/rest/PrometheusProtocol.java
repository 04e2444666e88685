package io.l7mp.internal.rest;

import io.l7mp.L7mp;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;

/**
 * {@code Prometheus}: a cluster without endpoints that answers each request routed to it with the proxy's counters
 * in the Prometheus text format, as l7mp's cluster of that name does. Not retriable.
 */
public final class PrometheusProtocol implements ProtocolProvider {
    @Override
    public String name() {
        return "Prometheus";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
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
        return r -> connect(ctx, r);
    }

    private static Future<Stage> connect(ClusterContext ctx, ConnectRequest r) {
        final L7mp proxy;
        try {
            proxy = ctx.proxy();
        } catch (final UnsupportedOperationException e) {
            return r.eventLoop().newFailedFuture(new SessionError(503, e.getMessage()));
        }
        final AnswerStage s = new AnswerStage(r) {
            @Override
            public void write(ByteBuf msg) {
                drop(msg);
            }
        };
        s.answer(new RestResponse(200, Metrics.CONTENT_TYPE, Metrics.render(proxy).getBytes(StandardCharsets.UTF_8)));
        return r.eventLoop().newSucceededFuture(s);
    }
}
