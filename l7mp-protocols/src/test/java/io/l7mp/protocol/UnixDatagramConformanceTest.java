package io.l7mp.protocol;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Loops;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Unix datagram client bound to a path -> UnixDomainDatagram listener -> UnixDomainDatagram cluster -> Unix datagram
 * echo socket. The JDK has no Unix datagram sockets: the peers are Netty epoll channels ({@link UnixDatagramPeer}).
 */
class UnixDatagramConformanceTest extends ProtocolConformance {
    /** A {@link UnixDatagramPeer} talking to one path. */
    private static final class Client implements Peer {
        private final UnixDatagramPeer peer;
        private final Path to;

        Client(UnixDatagramPeer peer, Path to) {
            this.peer = peer;
            this.to = to;
        }

        @Override
        public void send(byte[] data) throws IOException {
            try {
                peer.send(to, data);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public byte[] receive(Duration timeout) throws IOException {
            try {
                return peer.receive(timeout);
            } catch (final AssertionError e) {
                throw new SocketTimeoutException(e.getMessage());
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            peer.close();
        }
    }

    /** The echo socket as a server: datagrams have no connections. */
    private record Server(UnixDatagramPeer peer) implements PeerServer {
        @Override
        public int openConnections() {
            return -1;
        }

        @Override
        public void closeConnections() {
            throw new UnsupportedOperationException("Unix datagram sockets have no connections");
        }

        @Override
        public void close() throws IOException {
            peer.close();
        }
    }

    @Override
    protected ProtocolSpec listenerSpec() {
        return UnixDatagramSpec.listen(dir.resolve("in.sock").toString());
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return new Client(new UnixDatagramPeer(dir.resolve("client.sock"), false), dir.resolve("in.sock"));
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return new Server(new UnixDatagramPeer(dir.resolve("echo.sock"), true));
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) {
        c.spec(UnixDatagramSpec.cluster()).endpoint(dir.resolve("echo.sock").toString());
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
    protected @Nullable String unsupportedOn(Loops loops) {
        return loops == Loops.NIO ? "UnixDomainDatagram needs the native epoll transport, but this proxy runs on nio"
                : null;
    }
}
