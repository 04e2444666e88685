package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Stage} over one Netty channel (a TCP connection, a connected UDP socket, ...). The constructor turns off
 * auto-read, so nothing is read until {@link #bind}; it adds its handler last in the pipeline, where it receives
 * {@link ByteBuf}s (or {@link DatagramPacket}s, whose content it unwraps).
 *
 * <p>Half-close: a provider that sets {@link ChannelOption#ALLOW_HALF_CLOSURE} on a {@link DuplexChannel} gets it; the
 * peer's FIN is passed to the session ({@link StageHandler#onInputShutdown()}), which shuts down the other end's
 * output, and the channel closes as before when it cannot.
 */
@UnstableApi
public class ChannelStage implements Stage {
    /** The pipeline name of the handler this stage adds. */
    public static final String HANDLER_NAME = "l7mp-stage";
    /** Messages kept from before {@link #bind}; more are dropped (one read batch is at most 16). */
    private static final int MAX_EARLY = 64;

    private final Channel channel;
    private final StreamKind kind;
    private @Nullable StageHandler handler;
    private boolean closed;
    private boolean notified;
    private boolean engineClosed;
    private @Nullable Throwable pendingCause;
    private boolean inputShutBeforeBind;
    /** What was read before {@link #bind} (a native transport may read a batch when the peer closes early). */
    private @Nullable ArrayDeque<ByteBuf> early;
    private boolean outputShut;

    /** Wraps {@code channel}; call on the channel's event loop or before it is registered. */
    public ChannelStage(Channel channel, StreamKind kind) {
        this.channel = channel;
        this.kind = kind;
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(HANDLER_NAME, new Inbound());
    }

    /** Returns the channel. */
    public Channel channel() {
        return channel;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public StreamKind streamKind() {
        return kind;
    }

    @Override
    public void bind(StageHandler h) {
        this.handler = h;
        final ArrayDeque<ByteBuf> q = early;
        if (q != null && !q.isEmpty()) {
            // Hand over what arrived before the session was ready once the engine has wired every stage (the rest
            // of this task), then go on: reading starts only after it, so nothing overtakes it.
            eventLoop().execute(() -> {
                deliverEarly(h);
                start(h);
            });
            return;
        }
        start(h);
    }

    private void deliverEarly(StageHandler h) {
        final ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q == null) {
            return;
        }
        ByteBuf b;
        boolean any = false;
        while ((b = q.poll()) != null) {
            if (closed && !notified) {
                b.release();
            } else {
                h.onRead(b);
                any = true;
            }
        }
        if (any) {
            h.onReadComplete();
        }
    }

    private void start(StageHandler h) {
        if (notified) {
            // The peer went away before the session was ready: tell it now, once.
            if (!engineClosed) {
                h.onClose(pendingCause);
            }
            return;
        }
        if (!channel.isActive()) {
            notifyClose(null);
            return;
        }
        if (inputShutBeforeBind) {
            inputShutdown();
            return;
        }
        channel.config().setAutoRead(true);
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed) {
            msg.release();
            return;
        }
        channel.write(msg, channel.voidPromise());
    }

    @Override
    public void flush() {
        if (!closed) {
            channel.flush();
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        // Nothing more to read once the peer half-closed; epoll even fails to re-arm a socket in that state.
        if (!closed && !(channel instanceof DuplexChannel d && d.isInputShutdown())) {
            channel.config().setAutoRead(autoRead);
        }
    }

    @Override
    public boolean shutdownOutput() {
        if (closed || outputShut || !(channel instanceof DuplexChannel duplex)
                || !Boolean.TRUE.equals(channel.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))) {
            return outputShut && !closed;
        }
        outputShut = true;
        channel.flush();
        // An empty buffer written at the head, past every codec, is sent once everything written before it is: only
        // then may the output end (shutting it down drops what is still queued).
        channel.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess() && channel.isActive()) {
                duplex.shutdownOutput();
            }
        });
        return true;
    }

    @Override
    public void close(@Nullable Throwable cause) {
        engineClosed = true;
        final ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null) {
            q.forEach(ByteBuf::release);
        }
        if (!closed) {
            closed = true;
            // Flush first so that what the session forwarded last reaches the peer before the close.
            channel.flush();
            channel.close();
        }
    }

    @Override
    public String describe() {
        return String.valueOf(channel.remoteAddress());
    }

    /** Tells the handler once that the stage is gone, unless the engine closed it; before bind, at bind. */
    protected final void notifyClose(@Nullable Throwable cause) {
        if (notified || closed) {
            return;
        }
        notified = true;
        closed = true;
        final StageHandler h = handler;
        if (h != null) {
            h.onClose(cause);
        } else {
            pendingCause = cause;
        }
    }

    /** The peer half-closed: the session passes it on, or the channel closes as it would without half-closure. */
    private void inputShutdown() {
        if (closed) {
            return;
        }
        final StageHandler h = handler;
        if (h == null) {
            inputShutBeforeBind = true;
            return;
        }
        inputShutBeforeBind = false;
        if (!h.onInputShutdown()) {
            channel.close();
        }
    }

    /** Returns the handler, or null before {@link #bind}. */
    protected final @Nullable StageHandler handler() {
        return handler;
    }

    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            final StageHandler h = handler;
            final ByteBuf buf;
            if (msg instanceof ByteBuf b) {
                buf = b;
            } else if (msg instanceof DatagramPacket p) {
                buf = Buffers.compact(p.content());
            } else {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (h == null && !closed) {
                // Not ours to drop: epoll reads a batch even with auto-read off when the peer closes or half-closes.
                ArrayDeque<ByteBuf> q = early;
                if (q == null) {
                    q = new ArrayDeque<>();
                    early = q;
                }
                if (q.size() < MAX_EARLY) {
                    q.add(buf);
                } else {
                    buf.release();
                }
                return;
            }
            if (h == null || closed) {
                buf.release();
                return;
            }
            h.onRead(buf);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            final StageHandler h = handler;
            if (h != null && !closed) {
                h.onReadComplete();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            final StageHandler h = handler;
            if (h != null && !closed) {
                h.onWritabilityChanged(ctx.channel().isWritable());
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputShutdown();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            notifyClose(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            notifyClose(cause);
            ctx.close();
        }
    }
}
