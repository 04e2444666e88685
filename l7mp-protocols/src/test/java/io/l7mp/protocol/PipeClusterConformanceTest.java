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
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * TCP client -> TCP listener -> PIPE cluster -> {@code cat < to-peer > from-peer}, a real process on two FIFOs made
 * by {@code mkfifo}.
 */
class PipeClusterConformanceTest extends ProtocolConformance {
    static Path mkfifo(Path p) throws Exception {
        final Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        if (!mk.waitFor(5, TimeUnit.SECONDS) || mk.exitValue() != 0) {
            throw new IllegalStateException("mkfifo " + p + " failed");
        }
        return p;
    }

    @Override
    protected ProtocolSpec listenerSpec() {
        return TcpSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return TcpConformanceTest.tcpClient(proxy, StreamPeer.Framing.NONE);
    }

    @Override
    protected PeerServer startServer() throws Exception {
        final Path to = mkfifo(dir.resolve("to-peer"));
        final Path from = mkfifo(dir.resolve("from-peer"));
        final ProcessPeers peers = new ProcessPeers(dir.resolve("pids"));
        // The shell opens the FIFOs for cat: it blocks until the proxy opens the other ends.
        new ProcessBuilder("sh", "-c", peers.wrap("cat < '" + to + "' > '" + from + "'")).start();
        return peers;
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(PipeSpec.of(dir.resolve("from-peer").toString(), dir.resolve("to-peer").toString()));
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
