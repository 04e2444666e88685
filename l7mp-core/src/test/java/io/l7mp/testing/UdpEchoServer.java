package io.l7mp.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/** A blocking UDP echo server on loopback for tests; optionally prefixes replies to tell servers apart. */
public final class UdpEchoServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final byte[] prefix;
    private final Thread thread;
    private volatile int received;

    public UdpEchoServer(String address, String prefix) throws IOException {
        this(new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0)), prefix);
    }

    /** Returns a server bound to this address and port. */
    public static UdpEchoServer at(String address, int port, String prefix) throws IOException {
        return new UdpEchoServer(new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port)),
                prefix);
    }

    private UdpEchoServer(DatagramSocket socket, String prefix) {
        this.socket = socket;
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.thread = new Thread(this::run, "udp-echo-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    public UdpEchoServer() throws IOException {
        this("127.0.0.1", "");
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Returns how many datagrams arrived. */
    public int received() {
        return received;
    }

    private void run() {
        final byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            try {
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                received++;
                final byte[] out = new byte[prefix.length + p.getLength()];
                System.arraycopy(prefix, 0, out, 0, prefix.length);
                System.arraycopy(p.getData(), 0, out, prefix.length, p.getLength());
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (final SocketException e) {
                return;
            } catch (final IOException e) {
                // keep serving
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
