package io.l7mp.protocol;

import com.sun.nio.sctp.MessageInfo;
import com.sun.nio.sctp.SctpChannel;
import com.sun.nio.sctp.SctpServerChannel;
import io.l7mp.L7mp;
import io.l7mp.internal.protocol.sctp.SctpProtocol;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.conformance.Loops;
import io.l7mp.testing.conformance.Peer;
import io.l7mp.testing.conformance.PeerServer;
import io.l7mp.testing.conformance.ProtocolConformance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * SCTP client (the JDK's {@code com.sun.nio.sctp}) -> SCTP listener -> SCTP cluster -> SCTP echo server, on NIO loops
 * only (Netty's SCTP channels are NIO channels). Where the kernel or the JDK cannot do SCTP, the data-path checks are
 * skipped on exactly that condition and {@code unsupportedIsAClearError} checks the provider's reason instead.
 */
class SctpConformanceTest extends ProtocolConformance {
    private static final SctpProtocol SCTP = new SctpProtocol();

    /** Reads one whole SCTP message (fragments reassembled), or null at the end of the association. */
    static byte @Nullable [] readMessage(SctpChannel ch) throws IOException {
        final ByteArrayOutputStream msg = new ByteArrayOutputStream();
        final ByteBuffer buf = ByteBuffer.allocate(65536);
        while (true) {
            buf.clear();
            final MessageInfo info = ch.receive(buf, null, null);
            if (info == null || info.bytes() < 0) {
                return null;
            }
            msg.write(buf.array(), 0, buf.position());
            if (info.isComplete()) {
                return msg.toByteArray();
            }
        }
    }

    /** An SCTP association as a peer; it reads a message only when asked. */
    static final class Client implements Peer {
        private final SctpChannel ch;
        private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "sctp-peer-reader");
            t.setDaemon(true);
            return t;
        });
        private @Nullable Future<byte @Nullable []> pending;

        Client(SctpChannel ch) {
            this.ch = ch;
        }

        @Override
        public void send(byte[] data) throws IOException {
            ch.send(ByteBuffer.wrap(data), MessageInfo.createOutgoing(null, 0));
        }

        @Override
        public synchronized byte @Nullable [] receive(Duration timeout) throws IOException {
            if (pending == null) {
                pending = reader.submit(() -> {
                    try {
                        return readMessage(ch);
                    } catch (final IOException e) {
                        return null;
                    }
                });
            }
            try {
                final byte[] b = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                pending = null;
                return b;
            } catch (final TimeoutException e) {
                throw new SocketTimeoutException("no SCTP message within " + timeout.toMillis() + " ms");
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } catch (final ExecutionException e) {
                throw new IOException(e.getCause());
            }
        }

        @Override
        public void close() throws IOException {
            try {
                ch.close();
            } finally {
                reader.shutdownNow();
            }
        }
    }

    /** An SCTP echo server: each message goes back on its stream. */
    static final class EchoServer implements PeerServer {
        private final SctpServerChannel server;
        private final Set<SctpChannel> open = ConcurrentHashMap.newKeySet();

        EchoServer() throws IOException {
            server = SctpServerChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            final Thread t = new Thread(this::accept, "sctp-echo-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() throws IOException {
            return ((InetSocketAddress) server.getAllLocalAddresses().iterator().next()).getPort();
        }

        private void accept() {
            while (server.isOpen()) {
                try {
                    final SctpChannel c = server.accept();
                    open.add(c);
                    final Thread t = new Thread(() -> echo(c), "sctp-echo");
                    t.setDaemon(true);
                    t.start();
                } catch (final IOException e) {
                    return;
                }
            }
        }

        private void echo(SctpChannel c) {
            try (c) {
                byte[] m;
                while ((m = readMessage(c)) != null) {
                    c.send(ByteBuffer.wrap(m), MessageInfo.createOutgoing(null, 0));
                }
            } catch (final IOException e) {
                // closed
            } finally {
                open.remove(c);
            }
        }

        @Override
        public int openConnections() {
            return open.size();
        }

        @Override
        public void closeConnections() throws IOException {
            for (final SctpChannel c : open) {
                c.close();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            closeConnections();
        }
    }

    @Override
    protected @Nullable String unsupportedOn(Loops loops) {
        if (!SCTP.isAvailable()) {
            return SCTP.unavailableReason();
        }
        return loops == Loops.EPOLL ? "SCTP: Netty has SCTP channels for NIO event loops only" : null;
    }

    @Override
    protected ProtocolSpec listenerSpec() {
        return SctpSpec.bind("127.0.0.1", 0);
    }

    @Override
    protected Peer connect(L7mp proxy) throws Exception {
        return new Client(SctpChannel.open(new InetSocketAddress("127.0.0.1", proxy.listener(LISTENER).port()), 0,
                0));
    }

    @Override
    protected PeerServer startServer() throws Exception {
        return new EchoServer();
    }

    @Override
    protected void cluster(ClusterSpec.Builder c, PeerServer server) throws Exception {
        // The clear-error check runs without a server where SCTP is unavailable: any port will do.
        c.spec(SctpSpec.port(server instanceof EchoServer e ? e.port() : 9)).endpoint("127.0.0.1");
    }

    @Override
    protected StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    protected boolean flowControlled() {
        return true;
    }
}
