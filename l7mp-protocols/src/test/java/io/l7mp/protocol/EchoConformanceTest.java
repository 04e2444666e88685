package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Loops;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import io.l7mp.testing.conformance.StreamPeer;

/** TCP client -> TCP listener -> Echo cluster (the cluster is its own peer). */
class EchoConformanceTest extends ProtocolConformance {
    @Override
    protected ProtocolSpec listenerSpec() {
        return TcpSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return TcpConformanceTest.tcpClient(proxy, StreamPeer.Framing.NONE);
    }

    @Override
    protected PeerServer startServer() {
        return PeerServer.none();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(ProtocolSpec.of("Echo"));
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
