package io.l7mp.rest;

import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.PseudoClusterProvider;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/** Test protocols: a recording pass-through named {@code Logger}, and {@code TestLocal}, a local-resource protocol. */
public final class TestProtocols {
    private TestProtocols() {
    }

    /** {@code Logger} for tests: passes every message on (as l7mp's Logger does) and records it. */
    static final class Logger extends PseudoClusterProvider {
        final List<String> seen = new CopyOnWriteArrayList<>();

        Logger() {
            super("Logger");
        }

        @Override
        public Cluster newCluster(ClusterContext ctx) {
            return r -> r.eventLoop().newSucceededFuture(new PassThrough(r.eventLoop(), seen));
        }
    }

    /** {@code TestLocal}: drops everything; claims to reach local resources, so the REST API refuses it. */
    public static final class Local implements ProtocolProvider {
        @Override
        public String name() {
            return "TestLocal";
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
        public boolean hasCluster() {
            return true;
        }

        @Override
        public boolean hasEndpoints() {
            return false;
        }

        @Override
        public boolean touchesLocalSystem() {
            return true;
        }

        @Override
        public Cluster newCluster(ClusterContext ctx) {
            return r -> r.eventLoop().newSucceededFuture(new PassThrough(r.eventLoop(), null));
        }
    }

    /** Hands what is written to it on as its own reads, recording it. */
    private static final class PassThrough implements Stage {
        private final EventLoop loop;
        private final @Nullable List<String> seen;
        private @Nullable StageHandler handler;
        private boolean closed;

        PassThrough(EventLoop loop, @Nullable List<String> seen) {
            this.loop = loop;
            this.seen = seen;
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
            handler = h;
        }

        @Override
        public void write(ByteBuf msg) {
            final StageHandler h = handler;
            if (closed || h == null || seen == null) {
                msg.release();
                return;
            }
            seen.add(msg.toString(StandardCharsets.UTF_8));
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
            return true;
        }

        @Override
        public void setAutoRead(boolean autoRead) {
        }

        @Override
        public void close(@Nullable Throwable cause) {
            closed = true;
        }
    }
}
