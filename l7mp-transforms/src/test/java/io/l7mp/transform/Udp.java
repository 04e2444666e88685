package io.l7mp.transform;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.l7mp.L7mp;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

/** A UDP peer on loopback for tests: every receive waits at most 5 s. */
final class Udp implements AutoCloseable {
    final DatagramSocket socket;
    private SocketAddress lastSender;

    Udp() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        socket.setSoTimeout(5_000);
    }

    static InetSocketAddress of(L7mp proxy, String listener) {
        return new InetSocketAddress("127.0.0.1", proxy.listener(listener).port());
    }

    int port() {
        return socket.getLocalPort();
    }

    void send(SocketAddress to, String msg) throws IOException {
        send(to, msg.getBytes(UTF_8));
    }

    void send(SocketAddress to, byte[] b) throws IOException {
        socket.send(new DatagramPacket(b, b.length, to));
    }

    byte[] receiveBytes() throws IOException {
        final DatagramPacket p = new DatagramPacket(new byte[70_000], 70_000);
        socket.receive(p);
        lastSender = p.getSocketAddress();
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    String receive() throws IOException {
        return new String(receiveBytes(), UTF_8);
    }

    /** Returns who sent the last datagram received. */
    SocketAddress lastSender() {
        return lastSender;
    }

    String roundTrip(SocketAddress to, String msg) throws IOException {
        send(to, msg);
        return receive();
    }

    @Override
    public void close() {
        socket.close();
    }
}
