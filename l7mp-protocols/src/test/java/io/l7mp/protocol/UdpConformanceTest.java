package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.DatagramEchoServer;
import io.l7mp.testing.conformance.DatagramPeer;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import java.net.InetSocketAddress;

/** UDP client -> UDP listener -> UDP cluster -> UDP echo server. */
class UdpConformanceTest extends ProtocolConformance {
    @Override
    protected ProtocolSpec listenerSpec() {
        return UdpSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return new DatagramPeer(new InetSocketAddress("127.0.0.1", proxy.listener(LISTENER).port()));
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return new DatagramEchoServer();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(UdpSpec.port(((DatagramEchoServer) server).port())).endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    protected boolean closeVisible() {
        return false;
    }

    @Override
    protected boolean lossy() {
        return true;
    }
}
