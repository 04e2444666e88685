package io.l7mp.testing.conformance;

import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One real peer connection of a conformance check: the client connected to our listener, or a connection a
 * {@link PeerServer} accepted. Messages are whole datagrams for datagram protocols and chunks of any size for byte
 * streams. Used from at most two threads at a time: one sending, one receiving.
 */
public interface Peer extends AutoCloseable {
    /** Sends one message (or a chunk of a byte stream); blocks while the transport pushes back. */
    void send(byte[] data) throws IOException;

    /**
     * Returns the next message or chunk, or null once the other side closed (end of stream, a reset, a close frame).
     * Reads nothing until called, so a peer that is not asked to receive is a paused reader.
     *
     * @throws java.net.SocketTimeoutException when nothing arrived within {@code timeout}; a later call gets what
     *                                         arrives meanwhile
     */
    byte @Nullable [] receive(Duration timeout) throws IOException;

    /** Half-closes: tells the other side that nothing more will be sent, and keeps receiving. */
    default void shutdownOutput() throws IOException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot half-close");
    }

    /** Closes the connection; idempotent. */
    @Override
    void close() throws IOException;
}
