package io.l7mp.protocol;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.RequestEnd;
import io.l7mp.spi.ResponseHead;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code TestResponder}, a test cluster: waits for the end of the request, then answers {@code 201} with
 * {@code {session, metadata, bytes, body}} (body: the first 64 bytes) and ends the response.
 */
public final class HttpTestResponder implements ProtocolProvider {
    @Override
    public String name() {
        return "TestResponder";
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
        return r -> r.eventLoop().newSucceededFuture(new Responder(r));
    }

    private static final class Responder implements Stage {
        private final ConnectRequest req;
        private final ObjectNode reply = JsonNodeFactory.instance.objectNode();
        private final StringBuilder body = new StringBuilder();
        private long bytes;
        private @Nullable StageHandler handler;
        private boolean closed;

        Responder(ConnectRequest req) {
            this.req = req;
            reply.put("session", req.sessionName());
            reply.set("metadata", req.metadata().deepCopy());
            if (req.source() instanceof RequestEnd end) {
                end.onRequestEnd(this::answer);
            }
        }

        private void answer() {
            if (closed || handler == null) {
                return;
            }
            reply.put("bytes", bytes).put("body", body.toString());
            if (req.source() instanceof ResponseHead rh) {
                rh.responseHead(201, Map.of("x-test", "yes", "content-type", "application/json"));
            }
            final StageHandler h = handler;
            h.onRead(ByteBufUtil.writeUtf8(io.netty.buffer.ByteBufAllocator.DEFAULT, reply.toString()));
            h.onReadComplete();
            closed = true;
            h.onClose(null);
        }

        @Override
        public EventLoop eventLoop() {
            return req.eventLoop();
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.BYTE;
        }

        @Override
        public void bind(StageHandler h) {
            handler = h;
        }

        @Override
        public void write(ByteBuf msg) {
            bytes += msg.readableBytes();
            if (body.length() < 64) {
                body.append(msg.toString(StandardCharsets.UTF_8), 0, Math.min(msg.readableBytes(),
                        64 - body.length()));
            }
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
            closed = true;
        }
    }
}
