package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import io.l7mp.testing.conformance.StreamEchoServer;
import io.l7mp.testing.conformance.StreamPeer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A FIFO writer and reader (the listener makes the FIFOs) -> PIPE listener -> TCP cluster -> TCP echo server. The
 * client writes the listener's {@code input} and reads its {@code output}; closing its writing end is its close.
 */
class PipeListenerConformanceTest extends ProtocolConformance {
    @Override
    protected ProtocolSpec listenerSpec() {
        return PipeSpec.of(dir.resolve("in.fifo").toString(), dir.resolve("out.fifo").toString());
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        // Each open blocks until the proxy opened the other end; it opens both at once, so this order is fine.
        final Path in = dir.resolve("in.fifo");
        final Path out = dir.resolve("out.fifo");
        final FileChannel w = FileChannel.open(in, StandardOpenOption.WRITE);
        final FileChannel r = FileChannel.open(out, StandardOpenOption.READ);
        // FileChannels, not file streams: closing one wakes a read blocked on it.
        return new StreamPeer(Channels.newInputStream(r), Channels.newOutputStream(w), () -> {
            w.close();
            r.close();
        }, w::close, StreamPeer.Framing.NONE);
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
}
