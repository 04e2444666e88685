package io.l7mp.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One end of a session inside the proxy: a connection a listener accepted, a connection to an endpoint, or a local
 * pseudo-protocol. Every method is called on {@link #eventLoop()}, the session's loop, and so are the calls the stage
 * makes into its {@link StageHandler}.
 *
 * <p>Before {@link #bind} a stage delivers nothing (a datagram stage may queue a bounded number of messages and drop
 * the rest). After {@link #close} it must not call its handler again.
 */
public interface Stage {
    /** Returns the event loop this stage runs on. */
    EventLoop eventLoop();

    /** Returns whether this stage keeps message boundaries. */
    StreamKind streamKind();

    /** Sets where this stage delivers what it reads and starts reading. Called once. */
    void bind(StageHandler handler);

    /** Writes one message without flushing. Takes ownership of {@code msg}, also when the stage is closed. */
    void write(ByteBuf msg);

    /** Flushes the written messages. */
    void flush();

    /** Returns false while the stage's outbound buffer is above its high-water mark. */
    boolean isWritable();

    /** Stops or resumes reading: the engine's backpressure from the stage this one writes into. */
    void setAutoRead(boolean autoRead);

    /**
     * Ends the stream towards the peer while still reading from it (a TCP FIN: half-close). Returns false, and does
     * nothing, when the stage has no half-close; the engine then ends the session instead.
     */
    default boolean shutdownOutput() {
        return false;
    }

    /**
     * Closes the stage; idempotent. {@code cause} says why; null means the session ended normally, and then what was
     * written is still delivered to a peer that keeps reading. A cause that says another stage's peer reset its
     * connection ({@link PeerReset#is}) means the stream was cut short: a stage that can say so to its own peer (TCP)
     * writes what it was given as far as its socket takes it at once and then resets its connection too, instead of
     * ending it with a FIN that a peer would take for the end of a complete stream.
     */
    void close(@Nullable Throwable cause);

    /**
     * Says that the session ends because the proxy stops or the listener or cluster it came through is removed with
     * its sessions, not because a peer finished: a protocol that tells its peer why a connection ends says so
     * (WebSocket's 1001 "going away" instead of 1000). A normal {@link #close} follows at once. The default does
     * nothing; a stage that wraps others passes it on.
     */
    default void goingAway() {
    }

    /**
     * Has {@code listener} called, on the stage's loop, if the stage closes before it is bound: a listener's peer that
     * reset or closed its connection while the session was still connecting upstream, so that the session ends
     * instead of waiting for a connect nobody needs. A peer's half-close is not a close (it may still wait for an
     * answer). Call it on the stage's loop. The default never calls it.
     */
    default void onCloseBeforeBind(Consumer<@Nullable Throwable> listener) {
    }

    /** Returns a short description of the peer for session dumps, e.g. {@code 127.0.0.1:5000}. */
    default String describe() {
        return "";
    }
}
