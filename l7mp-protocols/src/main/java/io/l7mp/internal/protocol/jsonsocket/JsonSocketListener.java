package io.l7mp.internal.protocol.jsonsocket;

import static io.l7mp.internal.protocol.jsonsocket.JsonSocketProtocol.VERSION_KEY;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.PeerErrorLog;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.Stage;
import io.l7mp.spi.Transport;
import io.netty.buffer.ByteBuf;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSONSocket listener: runs the transport's listener and turns each transport session into a JSONSocket session
 * once its first message is a valid request header. The header is put in the metadata under {@code JSONSocket},
 * beside the transport's own metadata; the 200 answer goes out when the engine binds the stage (routed and
 * connected), an error status when it closes it instead.
 */
final class JsonSocketListener implements Listener {
    private static final Logger logger = LoggerFactory.getLogger(JsonSocketListener.class);

    private final ListenerContext ctx;
    private final Listener transport;
    private final AtomicInteger sequence = new AtomicInteger();
    private final PeerErrorLog peerErrors = new PeerErrorLog(logger);

    JsonSocketListener(ListenerContext ctx, ProtocolProvider provider, ProtocolSpec transportSpec) {
        this.ctx = ctx;
        this.transport = provider.newListener(new ListenerContext() {
            @Override
            public String name() {
                return ctx.name();
            }

            @Override
            public ProtocolSpec spec() {
                return transportSpec;
            }

            @Override
            public Transport transport() {
                return ctx.transport();
            }

            @Override
            public void newSession(String name, ObjectNode metadata, Stage source) {
                accept(name, metadata, source);
            }
        });
    }

    @Override
    public CompletableFuture<Void> start() {
        return transport.start();
    }

    @Override
    public @Nullable SocketAddress localAddress() {
        return transport.localAddress();
    }

    @Override
    public CompletableFuture<Void> close() {
        return transport.close();
    }

    /** A transport session: wait for its request header. On the transport stage's loop. */
    private void accept(String transportName, ObjectNode metadata, Stage source) {
        final JsonSocketStage[] stage = new JsonSocketStage[1];
        stage[0] = new JsonSocketStage(source, true, new JsonSocketStage.Handshake() {
            @Override
            public void onHeader(ByteBuf msg) {
                header(transportName, metadata, stage[0], msg);
            }

            @Override
            public void onClosedEarly(@Nullable Throwable cause) {
                logger.debug("listener {}: {} closed before sending a JSONSocket header", ctx.name(), transportName);
            }
        });
        stage[0].start();
    }

    private void header(String transportName, ObjectNode metadata, JsonSocketStage stage, ByteBuf msg) {
        final JsonNode h = JsonSocketProtocol.parse(msg);
        if (h == null || !h.isObject()) {
            refuse(transportName, stage, 400, "Bad Request: Invalid JSON request header");
            return;
        }
        final JsonNode v = h.get(VERSION_KEY);
        if (v == null || v.isNull()) {
            refuse(transportName, stage, 400, "Bad Request: No JSONSocket version in request header");
            return;
        }
        final Long version = JsonSocketProtocol.integer(v);
        if (version == null) {
            refuse(transportName, stage, 400, "Bad Request: Invalid JSONSocket version");
            return;
        }
        if (version < 0 || version > JsonSocketProtocol.VERSION) {
            refuse(transportName, stage, 505, "JSONSocket Version Not Supported");
            return;
        }
        stage.headerDone();
        metadata.set("JSONSocket", h);
        ctx.newSession("JSONSocket:" + ctx.name() + "-" + sequence.getAndIncrement(), metadata, stage);
    }

    private void refuse(String transportName, JsonSocketStage stage, int status, String message) {
        peerErrors.log(ctx.name(), "JSONSocket header refused with " + status, transportName, message);
        stage.reject(status, message);
    }
}
