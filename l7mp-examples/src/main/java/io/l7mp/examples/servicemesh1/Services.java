package io.l7mp.examples.servicemesh1;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The two applications of the example, stand-ins for real media processes. */
final class Services {
    private Services() {
    }

    /** The transcoder: a Unix-socket service that upper-cases what it reads and writes it back. */
    static final class Transcoder implements AutoCloseable {
        private final ServerSocketChannel server;
        private final Path path;

        Transcoder(Path path) throws IOException {
            this.path = path;
            Files.deleteIfExists(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            final Thread t = new Thread(this::accept, "transcoder");
            t.setDaemon(true);
            t.start();
        }

        private void accept() {
            while (server.isOpen()) {
                try {
                    final SocketChannel c = server.accept();
                    final Thread t = new Thread(() -> serve(c), "transcoder-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (final IOException e) {
                    return;
                }
            }
        }

        private static void serve(SocketChannel c) {
            try (c) {
                final ByteBuffer buf = ByteBuffer.allocate(65536);
                while (c.read(buf) >= 0) {
                    buf.flip();
                    final String in = StandardCharsets.UTF_8.decode(buf).toString();
                    c.write(ByteBuffer.wrap(in.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)));
                    buf.clear();
                }
            } catch (final IOException e) {
                // the sidecar went away: nothing to do
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(path);
        }
    }

    /** The worker: a plain ("naked") UDP service answering {@code worker got <payload>}. */
    static final class Worker implements AutoCloseable {
        private final DatagramSocket socket;

        Worker(int port) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", port));
            final Thread t = new Thread(this::serve, "worker");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            final byte[] buf = new byte[65536];
            while (!socket.isClosed()) {
                try {
                    final DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    final byte[] out = ("worker got " + new String(p.getData(), 0, p.getLength(),
                            StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                } catch (final IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
