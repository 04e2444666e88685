package io.l7mp.internal.protocol;

import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.PseudoClusterProvider;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/** {@code Discard}: a cluster that drops everything it receives and never sends. */
public final class DiscardProtocol extends PseudoClusterProvider {
    public DiscardProtocol() {
        super("Discard");
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return new Cluster() {
            @Override
            public Future<Stage> connect(ConnectRequest r) {
                return r.eventLoop().newSucceededFuture(new DiscardStage(r.eventLoop()));
            }
        };
    }

    private record DiscardStage(EventLoop eventLoop) implements Stage {
        @Override
        public StreamKind streamKind() {
            return StreamKind.DATAGRAM;
        }

        @Override
        public void bind(StageHandler handler) {
        }

        @Override
        public void write(ByteBuf msg) {
            msg.release();
        }

        @Override
        public void flush() {
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void setAutoRead(boolean autoRead) {
        }

        @Override
        public void close(@Nullable Throwable cause) {
        }

        @Override
        public String describe() {
            return "discard";
        }
    }
}
