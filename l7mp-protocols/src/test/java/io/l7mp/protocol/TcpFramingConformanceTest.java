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

/**
 * Length-prefixed client -> TCP listener with {@code framing} -> TCP cluster with {@code framing} -> TCP echo server
 * (which sends the frames back byte for byte): a datagram stream over TCP.
 */
class TcpFramingConformanceTest extends ProtocolConformance {
    @Override
    protected ProtocolSpec listenerSpec() {
        return TcpSpec.bind("127.0.0.1", 0).withFraming(Framing.LENGTH_PREFIXED);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return TcpConformanceTest.tcpClient(proxy, StreamPeer.Framing.LENGTH_PREFIXED);
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return StreamEchoServer.tcp();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(TcpSpec.port(((StreamEchoServer) server).port()).withFraming(Framing.LENGTH_PREFIXED))
                .endpoint("127.0.0.1");
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

    @Override
    protected boolean halfClose(Loops loops) {
        return true;
    }
}
