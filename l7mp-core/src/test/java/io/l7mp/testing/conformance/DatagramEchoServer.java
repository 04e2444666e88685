package io.l7mp.testing.conformance;

import io.l7mp.testing.UdpEchoServer;
import java.io.IOException;

/** A UDP echo {@link PeerServer} on 127.0.0.1 ({@link UdpEchoServer}): no connections to count or close. */
public final class DatagramEchoServer implements PeerServer {
    private final UdpEchoServer server;

    /** Starts a UDP echo server on 127.0.0.1, any port. */
    public DatagramEchoServer() throws IOException {
        this.server = new UdpEchoServer();
    }

    /** Returns the UDP port. */
    public int port() {
        return server.port();
    }

    @Override
    public int openConnections() {
        return -1;
    }

    @Override
    public void closeConnections() {
        throw new UnsupportedOperationException("UDP has no connections to close");
    }

    @Override
    public void close() {
        server.close();
    }
}
