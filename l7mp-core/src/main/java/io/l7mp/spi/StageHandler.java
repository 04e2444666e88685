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
     * Tells that the peer finished sending but still reads (half-close): nothing more will be read, writes still
     * reach the peer. Handlers that have no use for half-close treat it as an orderly close.
     */
    default void onInputShutdown() {
        onClose(null);
    }

    /** Tells that the peer closed the stage or it failed; {@code cause} is null for an orderly close. */
    void onClose(@Nullable Throwable cause);
}
