package io.l7mp.testing.conformance;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;

/** A {@link Peer} over a UDP socket on loopback that talks to one address. UDP has no close: it never ends. */
public final class DatagramPeer implements Peer {
    private final DatagramSocket socket;
    private final SocketAddress to;

    /** Opens a socket on 127.0.0.1 (any port) talking to {@code to}. */
    public DatagramPeer(SocketAddress to) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        this.to = to;
    }

    /** Returns the socket, e.g. for its local port. */
    public DatagramSocket socket() {
        return socket;
    }

    @Override
    public void send(byte[] data) throws IOException {
        socket.send(new DatagramPacket(data, data.length, to));
    }

    @Override
    public byte[] receive(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        final DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
        socket.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Override
    public void close() {
        socket.close();
    }
}
