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
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;

/** Unix stream client (the JDK's) -> UnixDomainSocket listener -> UnixDomainSocket cluster -> Unix echo server. */
class UnixStreamConformanceTest extends ProtocolConformance {
    @Override
    protected ProtocolSpec listenerSpec() {
        return UnixSpec.listen(dir.resolve("in.sock").toString());
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return StreamPeer.of(SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("in.sock"))),
                StreamPeer.Framing.NONE);
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return StreamEchoServer.unix(dir.resolve("echo.sock"));
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(UnixSpec.cluster()).endpoint(dir.resolve("echo.sock").toString());
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    protected boolean halfClose(Loops loops) {
        // Netty's NIO domain socket channel closes on a FIN: Unix streams half-close on epoll only.
        return loops == Loops.EPOLL;
    }
}
