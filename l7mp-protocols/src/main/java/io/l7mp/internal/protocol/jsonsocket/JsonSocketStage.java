package io.l7mp.internal.protocol.jsonsocket;

import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A JSONSocket stream over one transport stage. It reads the transport itself from {@link #start()}: the first
 * message goes to the {@link Handshake} until {@link #headerDone()}; later ones are kept (up to a bound) until the
 * engine binds this stage, then passed through. On the listener side, binding answers the peer with status 200 and
 * closing before that answers with the session's error status. Confined to the transport stage's event loop.
 */
final class JsonSocketStage implements Stage, StageHandler {
    /** Messages kept between the handshake and {@link #bind}; more are dropped (datagram semantics). */
    private static final int MAX_EARLY = 64;

    /** The handshake side of the stage: listener or cluster. */
    interface Handshake {
        /** Takes the peer's first message; takes ownership of {@code msg}. */
        void onHeader(ByteBuf msg);

        /** Tells that the transport closed before the handshake finished. */
        void onClosedEarly(@Nullable Throwable cause);
    }

    private final Stage inner;
    private final boolean server;
    private @Nullable Handshake handshake;
    private @Nullable StageHandler handler;
    private @Nullable ArrayDeque<ByteBuf> early;
    private boolean closed;
    private boolean innerClosed;
    private @Nullable Throwable innerCause;
    private @Nullable Consumer<@Nullable Throwable> closeBeforeBind;

    JsonSocketStage(Stage inner, boolean server, Handshake handshake) {
        this.inner = inner;
        this.server = server;
        this.handshake = handshake;
    }

    /** Starts reading the transport. */
    void start() {
        inner.bind(this);
    }

    /** Ends the handshake: what arrives next is session data. */
    void headerDone() {
        handshake = null;
    }

    /** Sends one JSON message on the transport; takes ownership of {@code msg}. */
    void send(ByteBuf msg) {
        inner.write(msg);
        inner.flush();
    }

    /** Answers the peer with an error status and closes, without a session (listener side, bad header). */
    void reject(int status, String message) {
        if (!closed) {
            send(JsonSocketProtocol.reply(status, message));
            close(null);
        }
    }

    // ------------------------------------------------------------------ Stage

    @Override
    public EventLoop eventLoop() {
        return inner.eventLoop();
    }

    @Override
    public StreamKind streamKind() {
        return inner.streamKind();
    }

    @Override
    public void bind(StageHandler h) {
        handler = h;
        closeBeforeBind = null;
        if (closed) {
            return;
        }
        if (server && !innerClosed) {
            send(JsonSocketProtocol.reply(200, "OK"));
        }
        final ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null && !q.isEmpty()) {
            ByteBuf b;
            while ((b = q.poll()) != null) {
                h.onRead(b);
            }
            h.onReadComplete();
        }
        if (innerClosed) {
            closed = true;
            h.onClose(innerCause);
            return;
        }
        inner.setAutoRead(true);
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed) {
            msg.release();
            return;
        }
        inner.write(msg);
    }

    @Override
    public void flush() {
        if (!closed) {
            inner.flush();
        }
    }

    @Override
    public boolean isWritable() {
        return inner.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        if (!closed && handler != null) {
            inner.setAutoRead(autoRead);
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        releaseEarly();
        if (server && handler == null && handshake == null && cause != null && !innerClosed) {
            // The session could not be routed or connected: tell the peer why, as l7mp does.
            final int status = cause instanceof SessionError se ? se.status() : 500;
            send(JsonSocketProtocol.reply(status, String.valueOf(cause.getMessage())));
        }
        inner.close(cause);
    }

    @Override
    public void onCloseBeforeBind(Consumer<@Nullable Throwable> listener) {
        if (handler != null) {
            return;
        }
        if (innerClosed && handshake == null) {
            listener.accept(innerCause);
        } else {
            closeBeforeBind = listener;
        }
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    // ------------------------------------------------------------------ StageHandler (the transport's reads)

    @Override
    public void onRead(ByteBuf msg) {
        if (closed) {
            msg.release();
            return;
        }
        final Handshake hs = handshake;
        if (hs != null) {
            hs.onHeader(msg);
            return;
        }
        final StageHandler h = handler;
        if (h != null) {
            h.onRead(msg);
            return;
        }
        ArrayDeque<ByteBuf> q = early;
        if (q == null) {
            q = new ArrayDeque<>();
            early = q;
        }
        if (q.size() < MAX_EARLY) {
            q.add(msg);
            if (q.size() == MAX_EARLY) {
                // Held back only once the queue is full: a transport on its own connection stops reading (the rest
                // waits in the kernel), but one peer of a shared datagram socket (UDP) has its datagrams dropped while
                // held back, and holding it back at the first one lost all the others sent before the answer.
                inner.setAutoRead(false);
            }
        } else {
            msg.release();
        }
    }

    @Override
    public void onReadComplete() {
        final StageHandler h = handler;
        if (h != null && !closed && handshake == null) {
            h.onReadComplete();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        final StageHandler h = handler;
        if (h != null && !closed) {
            h.onWritabilityChanged(writable);
        }
    }

    @Override
    public void onClose(@Nullable Throwable cause) {
        if (closed) {
            return;
        }
        innerClosed = true;
        innerCause = cause;
        final StageHandler h = handler;
        if (h != null) {
            closed = true;
            h.onClose(cause);
            return;
        }
        final Handshake hs = handshake;
        if (hs != null) {
            closed = true;
            handshake = null;
            hs.onClosedEarly(cause);
            return;
        }
        // The session is being routed: it ends now if it asked to know; otherwise bind() reports the close.
        final Consumer<@Nullable Throwable> l = closeBeforeBind;
        if (l != null) {
            closeBeforeBind = null;
            l.accept(cause);
        }
    }

    private void releaseEarly() {
        final ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null) {
            ByteBuf b;
            while ((b = q.poll()) != null) {
                b.release();
            }
        }
    }
}
