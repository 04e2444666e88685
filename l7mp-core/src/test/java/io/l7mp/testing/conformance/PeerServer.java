package io.l7mp.testing.conformance;

import java.io.IOException;

/**
 * The real server behind the cluster under test: an echo server that sends back every message (or every byte) it
 * receives, on each connection, until the client closes; then it closes too.
 */
public interface PeerServer extends AutoCloseable {
    /** Returns how many connections are open now, or -1 when the protocol has no connections to count (UDP). */
    int openConnections();

    /** Returns whether {@link #closeConnections()} can close connections from the server's side. */
    default boolean canClose() {
        return openConnections() >= 0;
    }

    /** Closes every open connection from the server's side (the server keeps accepting). */
    void closeConnections() throws IOException;

    /** Stops the server and closes its connections. */
    @Override
    void close() throws IOException;

    /** Returns a server for clusters that need none (Echo, Discard): nothing to count, nothing to close. */
    static PeerServer none() {
        return new PeerServer() {
            @Override
            public int openConnections() {
                return -1;
            }

            @Override
            public void closeConnections() {
                throw new UnsupportedOperationException("no peer server");
            }

            @Override
            public void close() {
            }
        };
    }
}
