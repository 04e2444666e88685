package io.l7mp.protocol;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A blocking Unix stream echo server on the JDK's Unix sockets, a thread per connection. */
final class UnixEchoServer implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final List<SocketChannel> conns = new CopyOnWriteArrayList<>();

    UnixEchoServer(Path path) throws IOException {
        this.path = path;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        final Thread t = new Thread(this::accept, "unix-echo");
        t.setDaemon(true);
        t.start();
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                final SocketChannel c = server.accept();
                conns.add(c);
                final Thread t = new Thread(() -> echo(c), "unix-echo-conn");
                t.setDaemon(true);
                t.start();
            } catch (final IOException e) {
                return;
            }
        }
    }

    private static void echo(SocketChannel c) {
        final ByteBuffer buf = ByteBuffer.allocate(16384);
        try (c) {
            while (c.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
                buf.clear();
            }
        } catch (final IOException e) {
            // peer gone
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (final SocketChannel c : conns) {
            c.close();
        }
        Files.deleteIfExists(path);
    }
}
