package io.l7mp.spi;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/** Receives what a {@link Stage} reads. Implemented by the engine; every call is on the stage's event loop. */
public interface StageHandler {
    /** Delivers one message (one datagram, or a chunk of a byte stream). Takes ownership of {@code msg}. */
    void onRead(ByteBuf msg);

    /** Ends a batch of reads: the engine flushes the next stage once per batch. */
    void onReadComplete();

    /** Tells that the stage's writability changed (see {@link Stage#isWritable()}). */
    void onWritabilityChanged(boolean writable);

    /**
     * Tells that the peer ended its output but still reads (a TCP FIN with half-closure allowed, the end of an HTTP
     * request body). Returns true when the session passed the half-close on ({@link Stage#shutdownOutput()} of the
     * stage it writes into); false when it could not, and the stage goes on as it would without half-close (a socket
     * closes, an HTTP exchange carries on). The default, for handlers other than the engine's, says false.
     */
    default boolean onInputShutdown() {
        return false;
    }

    /** Tells that the peer closed the stage or it failed; {@code cause} is null for an orderly close. */
    void onClose(@Nullable Throwable cause);
}
