package io.l7mp.internal.transform;

import io.l7mp.internal.transform.MetricRegistry.ClusterCounters;
import io.l7mp.internal.transform.MetricRegistry.SessionCounter;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.MetricSpec;
import io.l7mp.transform.SessionTransform;
import io.l7mp.transform.TransformContext;
import io.l7mp.transform.TransformProvider;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;

/** {@code Metric}: a pass-through that counts bytes and messages per session and cluster, as l7mp's Metric does. */
public final class MetricProtocol extends TransformProvider {
    public MetricProtocol() {
        super("Metric", StreamKind.DATAGRAM);
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return MetricSpec.class;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final MetricSpec spec = (MetricSpec) ctx.spec();
        final ClusterCounters counters = MetricRegistry.register(ctx.name(), spec.bytesName(), spec.packetsName());
        return new Cluster() {
            @Override
            public Future<Stage> connect(ConnectRequest request) {
                final TransformContext tc = Contexts.of(request, ctx.name(), spec);
                final SessionCounter c = counters.attach(request.sessionName());
                return request.eventLoop().newSucceededFuture(new TransformStage(tc, StreamKind.DATAGRAM,
                        new Counting(counters, c), name()));
            }

            @Override
            public void close() {
                MetricRegistry.unregister(counters);
            }
        };
    }

    private record Counting(ClusterCounters cluster, SessionCounter counter) implements SessionTransform {
        @Override
        public void onMessage(ByteBuf msg, Output out) {
            counter.add(msg.readableBytes());
            out.emit(msg);
        }

        @Override
        public void onClose() {
            cluster.detach(counter);
        }
    }
}
