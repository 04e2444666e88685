package io.l7mp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A blocking TCP echo server on loopback for tests, a thread per connection; optional reply prefix. */
public final class TcpEchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] prefix;
    private final List<Socket> conns = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    public TcpEchoServer(int port, String prefix) throws IOException {
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        final Thread t = new Thread(this::accept, "tcp-echo-" + port());
        t.setDaemon(true);
        t.start();
    }

    public TcpEchoServer() throws IOException {
        this(0, "");
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    /** Closes every accepted connection (the server keeps listening). */
    public void dropConnections() throws IOException {
        for (final Socket s : conns) {
            s.close();
        }
        conns.clear();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                final Socket s = server.accept();
                accepted.incrementAndGet();
                conns.add(s);
                final Thread t = new Thread(() -> echo(s), "tcp-echo-conn");
                t.setDaemon(true);
                t.start();
            } catch (final IOException e) {
                return;
            }
        }
    }

    private void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            final byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (prefix.length > 0) {
                    out.write(prefix);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (final IOException e) {
            // peer gone
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
