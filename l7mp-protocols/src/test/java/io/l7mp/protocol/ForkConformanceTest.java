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

/** TCP client -> TCP listener -> STDIO-fork cluster running {@code cat} (a real process per session). */
class ForkConformanceTest extends ProtocolConformance {
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
        return new ProcessPeers(dir.resolve("pids"));
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(ForkSpec.of("sh", "-c", ((ProcessPeers) server).wrap("cat")).withKillTimeout(500));
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
