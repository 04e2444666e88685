package io.l7mp.internal.protocol.jsonsocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.protocol.JsonSocketSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * {@code JSONSocket}: JSONSocket v1 (a JSON request/response header handshake, then a datagram stream) over any
 * datagram transport provider, looked up by the {@code transport.protocol} name. The listener and cluster wrap the
 * transport's own listener and cluster, so they inherit its modes (UDP server mode emulates per-client sockets).
 */
public final class JsonSocketProtocol implements ProtocolProvider {
    /** The only JSONSocket version spoken; requests for 0 or 1 are accepted. */
    static final int VERSION = 1;
    static final String VERSION_KEY = "JSONSocketVersion";
    static final String STATUS_KEY = "JSONSocketStatus";
    static final String MESSAGE_KEY = "JSONSocketMessage";
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Override
    public String name() {
        return "JSONSocket";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return JsonSocketSpec.class;
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
    public void validate(ProtocolSpec spec, boolean listener) {
        final JsonSocketSpec s = (JsonSocketSpec) spec;
        final ProtocolSpec t = transportOf(s);
        Transports.typed(Transports.find(t.protocol(), listener), t, listener);
    }

    @Override
    public Map<String, String> localPaths(ProtocolSpec spec) {
        final Map<String, String> paths = new LinkedHashMap<>();
        transportPaths(spec, (p, t) -> p.localPaths(t).forEach((k, v) -> paths.put("transport." + k, v)));
        return paths;
    }

    @Override
    public boolean endpointsAreLocalPaths(ProtocolSpec spec) {
        final boolean[] local = new boolean[1];
        transportPaths(spec, (p, t) -> local[0] = p.endpointsAreLocalPaths(t));
        return local[0];
    }

    /** Runs {@code f} with the transport's provider and typed spec; a transport that cannot be typed names no file. */
    private static void transportPaths(ProtocolSpec spec, BiConsumer<ProtocolProvider, ProtocolSpec> f) {
        final ProtocolSpec t = ((JsonSocketSpec) spec).transport();
        final ProtocolProvider p = t == null ? null : Transports.lookup(t.protocol());
        if (p == null || p instanceof JsonSocketProtocol) {
            return;
        }
        final ProtocolSpec typed;
        try {
            typed = Transports.convert(p, t);
        } catch (final IllegalArgumentException e) {
            return;   // validation refuses this spec anyway
        }
        f.accept(p, typed);
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        final JsonSocketSpec s = (JsonSocketSpec) ctx.spec();
        final ProtocolProvider p = Transports.find(transportOf(s).protocol(), true);
        return new JsonSocketListener(ctx, p, Transports.typed(p, transportOf(s), true));
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final JsonSocketSpec s = (JsonSocketSpec) ctx.spec();
        final ProtocolProvider p = Transports.find(transportOf(s).protocol(), false);
        return new JsonSocketCluster(ctx, s, p, Transports.typed(p, transportOf(s), false));
    }

    private static ProtocolSpec transportOf(JsonSocketSpec s) {
        final ProtocolSpec t = s.transport();
        if (t == null) {
            throw new IllegalArgumentException("transport: missing (expected: a datagram transport spec)");
        }
        return t;
    }

    /** Returns {@code {JSONSocketVersion: 1, JSONSocketStatus, JSONSocketMessage}} as a message. */
    static ByteBuf reply(int status, String message) {
        final ObjectNode r = MAPPER.createObjectNode().put(VERSION_KEY, VERSION).put(STATUS_KEY, status)
                .put(MESSAGE_KEY, message);
        return encode(r);
    }

    /** Returns a JSON value as a message. */
    static ByteBuf encode(JsonNode n) {
        try {
            return Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(n));
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + n, e);
        }
    }

    /** Parses a message as JSON and releases it; returns null when it is not JSON. */
    static @Nullable JsonNode parse(ByteBuf msg) {
        try (ByteBufInputStream in = new ByteBufInputStream(msg, true)) {
            return MAPPER.readTree((java.io.InputStream) in);
        } catch (final IOException e) {
            return null;
        }
    }

    /** Returns an integer JSON number's value (1 and 1.0 alike, as JavaScript sees them), or null. */
    static @Nullable Long integer(@Nullable JsonNode n) {
        if (n == null || !n.isNumber()) {
            return null;
        }
        if (n.canConvertToExactIntegral() && n.canConvertToLong()) {
            return n.asLong();
        }
        return null;
    }
}
