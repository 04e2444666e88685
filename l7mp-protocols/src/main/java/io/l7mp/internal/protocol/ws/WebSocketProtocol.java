package io.l7mp.internal.protocol.ws;

import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.WebSocketSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import java.util.Map;
import java.util.Set;

/**
 * {@code WebSocket} (alias {@code WS}): a datagram-stream listener (one session per connection, the upgrade request in
 * the metadata as l7mp's {@code HTTP} object) and cluster. One WebSocket message, text or binary, is one message;
 * what the proxy sends goes out as binary frames unless the spec says {@code frame: text}. Optional TLS (wss).
 */
public final class WebSocketProtocol implements ProtocolProvider {
    /** The largest message accepted, after reassembling fragmented frames. */
    static final int MAX_MESSAGE = 16 * 1024 * 1024;
    /** The largest upgrade request or response accepted. */
    static final int MAX_HANDSHAKE = 64 * 1024;

    @Override
    public String name() {
        return "WebSocket";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("WS");
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return WebSocketSpec.class;
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
    public Map<String, String> localPaths(ProtocolSpec spec) {
        return Tls.paths(((WebSocketSpec) spec).tls());
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        final WebSocketSpec s = (WebSocketSpec) spec;
        if (listener && s.port() == null) {
            throw new IllegalArgumentException("port: missing (expected: 0-65535)");
        }
        Tls.validate(s.tls(), listener);
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new WsListener(ctx, (WebSocketSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return new WsCluster(ctx, (WebSocketSpec) ctx.spec());
    }
}
