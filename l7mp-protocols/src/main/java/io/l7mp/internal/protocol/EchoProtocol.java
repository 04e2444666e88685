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

/** {@code Echo}: a cluster that sends back every message it receives, boundaries kept. */
public final class EchoProtocol extends PseudoClusterProvider {
    public EchoProtocol() {
        super("Echo");
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return new Cluster() {
            @Override
            public Future<Stage> connect(ConnectRequest r) {
                return r.eventLoop().newSucceededFuture(new EchoStage(r.eventLoop()));
            }
        };
    }

    /**
     * Loops writes back to reads on the same loop, the end of the stream too; its writability follows its own
     * reader's.
     */
    static final class EchoStage implements Stage {
        private final EventLoop loop;
        private @Nullable StageHandler handler;
        private boolean readable = true;
        private boolean closed;

        EchoStage(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.DATAGRAM;
        }

        @Override
        public void bind(StageHandler h) {
            this.handler = h;
        }

        @Override
        public void write(ByteBuf msg) {
            final StageHandler h = handler;
            if (closed || h == null) {
                msg.release();
                return;
            }
            h.onRead(msg);
        }

        @Override
        public void flush() {
            final StageHandler h = handler;
            if (!closed && h != null) {
                h.onReadComplete();
            }
        }

        @Override
        public boolean isWritable() {
            return readable;
        }

        @Override
        public void setAutoRead(boolean autoRead) {
            final boolean was = readable;
            readable = autoRead;
            if (autoRead && !was && handler != null && !closed) {
                handler.onWritabilityChanged(true);
            }
        }

        /**
         * Echoes the end of the stream too, as l7mp's pass-through does: the peer half-closed, so the echo finishes
         * once what it sent has come back (told on the next loop turn, after the half-close was taken).
         */
        @Override
        public boolean shutdownOutput() {
            if (closed) {
                return false;
            }
            loop.execute(() -> {
                final StageHandler h = handler;
                if (!closed && h != null) {
                    h.onInputShutdown();
                }
            });
            return true;
        }

        @Override
        public void close(@Nullable Throwable cause) {
            closed = true;
        }

        @Override
        public String describe() {
            return "echo";
        }
    }
}
