package io.l7mp.testing.conformance;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A blocking byte-stream echo {@link PeerServer}, a thread per connection: on TCP, TLS (an {@code SSLServerSocket}) or
 * Unix stream sockets. It writes back every chunk as it reads it (so length-prefixed frames come back whole), and
 * closes a connection once the client's end of stream arrived and everything was echoed.
 */
public final class StreamEchoServer implements PeerServer {
    /** One accepted connection. */
    private record Link(InputStream in, OutputStream out, Closeable closer) {
    }

    /** Accepts connections. */
    @FunctionalInterface
    private interface Acceptor {
        Link accept() throws IOException;
    }

    private final Closeable server;
    private final Acceptor acceptor;
    private final Set<Link> open = ConcurrentHashMap.newKeySet();
    private final @Nullable Path file;
    private final int port;

    private StreamEchoServer(Closeable server, Acceptor acceptor, @Nullable Path file, int port) {
        this.server = server;
        this.acceptor = acceptor;
        this.file = file;
        this.port = port;
        final Thread t = new Thread(this::acceptLoop, "conformance-echo-accept");
        t.setDaemon(true);
        t.start();
    }

    /** Starts a TCP echo server on 127.0.0.1, any port. */
    public static StreamEchoServer tcp() throws IOException {
        final ServerSocket s = new ServerSocket();
        // Small buffers (accepted sockets inherit the receive buffer) keep what the kernel holds small.
        s.setReceiveBufferSize(StreamPeer.SOCKET_BUFFER);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return on(s);
    }

    /**
     * Serves on a bound server socket, e.g. an {@code SSLServerSocket} for TLS; set its receive buffer small
     * ({@link StreamPeer#SOCKET_BUFFER}) before binding it.
     */
    public static StreamEchoServer on(ServerSocket s) {
        return new StreamEchoServer(s, () -> {
            final Socket c = s.accept();
            c.setSendBufferSize(StreamPeer.SOCKET_BUFFER);
            c.setTcpNoDelay(true);
            return new Link(c.getInputStream(), c.getOutputStream(), c);
        }, null, s.getLocalPort());
    }

    /** Starts a Unix stream echo server bound to {@code path}; the file is removed on close. */
    public static StreamEchoServer unix(Path path) throws IOException {
        final ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        return new StreamEchoServer(s, () -> {
            final SocketChannel c = s.accept();
            return new Link(StreamPeer.inputOf(c), StreamPeer.outputOf(c), c);
        }, path, -1);
    }

    /** Returns the TCP port, or -1 for a Unix socket. */
    public int port() {
        return port;
    }

    @Override
    public int openConnections() {
        return open.size();
    }

    @Override
    public void closeConnections() throws IOException {
        for (final Link l : open) {
            l.closer().close();
        }
    }

    private void acceptLoop() {
        while (true) {
            final Link l;
            try {
                l = acceptor.accept();
            } catch (final IOException e) {
                return;
            }
            open.add(l);
            final Thread t = new Thread(() -> echo(l), "conformance-echo");
            t.setDaemon(true);
            t.start();
        }
    }

    private void echo(Link l) {
        final byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = l.in().read(buf)) >= 0) {
                l.out().write(buf, 0, n);
                l.out().flush();
            }
        } catch (final IOException e) {
            // closed by us or reset by the proxy
        } finally {
            open.remove(l);
            try {
                l.closer().close();
            } catch (final IOException e) {
                // already gone
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closeConnections();
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
