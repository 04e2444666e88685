package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;

/** WebSocket client ({@link WsPeer}) -> WebSocket listener -> WebSocket cluster -> Netty WebSocket echo server. */
class WebSocketConformanceTest extends ProtocolConformance {
    @Override
    protected ProtocolSpec listenerSpec() {
        return WebSocketSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return WsPeer.connect(proxy.listener(LISTENER).port(), "/conformance");
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return new WsPeer.Server(new NettyWsServer());
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(WebSocketSpec.port(((WsPeer.Server) server).ws().port())).endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    protected boolean flowControlled() {
        return true;
    }

    @Override
    protected int maxMessageSize() {
        return 1 << 20;
    }
}
