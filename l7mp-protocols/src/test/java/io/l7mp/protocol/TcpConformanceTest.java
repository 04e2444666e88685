package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Loops;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import io.l7mp.testing.conformance.StreamEchoServer;
import io.l7mp.testing.conformance.StreamPeer;

/** TCP client -> TCP listener -> TCP cluster -> TCP echo server. */
class TcpConformanceTest extends ProtocolConformance {
    /** Connects a plain TCP client to the listener. */
    static Peer tcpClient(L7mp proxy, StreamPeer.Framing framing) throws Exception {
        return StreamPeer.connectTcp(proxy.listener(LISTENER).port(), framing);
    }

    @Override
    protected ProtocolSpec listenerSpec() {
        return TcpSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return tcpClient(proxy, StreamPeer.Framing.NONE);
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return StreamEchoServer.tcp();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(TcpSpec.port(((StreamEchoServer) server).port())).endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    protected boolean halfClose(Loops loops) {
        return true;
    }
}
