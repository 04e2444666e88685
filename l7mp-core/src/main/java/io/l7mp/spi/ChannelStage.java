package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Stage} over one Netty channel (a TCP connection, a connected UDP socket, ...). The constructor turns off
 * auto-read, so nothing is read until {@link #bind}; it adds its handler last in the pipeline, where it receives
 * {@link ByteBuf}s (or {@link DatagramPacket}s, whose content it unwraps).
 */
@UnstableApi
public class ChannelStage implements Stage {
    /** The pipeline name of the handler this stage adds. */
    public static final String HANDLER_NAME = "l7mp-stage";

    /** How long a gracefully closed stage may take to write out what is still queued for a slow peer. */
    private static final long DRAIN_MILLIS = Long.getLong("l7mp.closeDrainMillis", 10_000);

    private final Channel channel;
    private final StreamKind kind;
    /** A plain stream socket (no TLS) keeps half-closed connections open and passes the end of stream on. */
    private final boolean halfClose;
    private final boolean datagramSocket;
    private @Nullable StageHandler handler;
    private boolean closed;
    private boolean notified;
    private boolean engineClosed;
    private @Nullable Throwable pendingCause;
    private @Nullable Consumer<@Nullable Throwable> closeBeforeBind;
    /** Bytes read before {@link #bind}, and whether the peer's end of stream came with them. */
    private @Nullable ArrayDeque<ByteBuf> early;
    private boolean earlyInputShutdown;
    /** This side sent its end of stream / the peer's end of stream was passed on. */
    private boolean outputShut;
    private boolean inputShut;

    /** Wraps {@code channel}; call on the channel's event loop or before it is registered. */
    public ChannelStage(Channel channel, StreamKind kind) {
        this.channel = channel;
        this.kind = kind;
        channel.config().setAutoRead(false);
        this.datagramSocket = channel instanceof DatagramChannel;
        this.halfClose = channel instanceof DuplexChannel && channel.pipeline().get(SslHandler.class) == null
                && channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
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
        closeBeforeBind = null;
        final ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null) {
            ByteBuf b;
            while ((b = q.poll()) != null) {
                h.onRead(b);
            }
            h.onReadComplete();
        }
        if (earlyInputShutdown && !notified) {
            // The peer finished before the session was ready (Netty read it out when the peer's FIN arrived). Its
            // socket has no read interest left, so reading is not turned back on.
            h.onInputShutdown();
            return;
        }
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
        channel.config().setAutoRead(true);
    }

    @Override
    public void write(ByteBuf msg) {
        // A zero-length UDP datagram is not sent; in a sendmmsg batch Netty would skip it yet count it as sent, and a
        // later datagram of the batch would go out twice.
        if (closed || !msg.isReadable() && datagramSocket) {
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
        // After the peer's end of stream reading stays off (see Inbound's input shutdown): nothing more can come.
        if (!closed && !inputShut) {
            channel.config().setAutoRead(autoRead);
        }
    }

    @Override
    public boolean shutdownOutput() {
        if (!halfClose || closed || !channel.isActive()) {
            return false;
        }
        // After what is queued has gone out: shutting the output down at once would drop unwritten data. The empty
        // buffer goes in at the head, past every codec: a length-prefixed framer would send it as an empty message.
        channel.flush();
        channel.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (channel.isActive()) {
                shutdownOutputNow();
            }
        });
        return true;
    }

    private void shutdownOutputNow() {
        outputShut = true;
        if (!inputShut) {
            // Both ends will have finished once the peer's end of stream arrives, and then the socket is no longer
            // connected: the input shutdown Netty would do on it fails, and Netty builds an exception with a stack
            // trace for that, once per proxied connection. Closed instead, the channel reports the end of stream
            // from channelInactive.
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        }
        // Everything written has gone out, so an epoll socket is shut down directly: Netty's shutdownOutput() fails
        // the (empty) outbound buffer with a new exception, whose stack trace cost ~5 % of the CPU of a proxy doing
        // nothing but short connections. The socket keeps its own shutdown state, which the channel reports.
        LingeringClose.shutdownSocketOutput(channel);
    }

    @Override
    public void close(@Nullable Throwable cause) {
        // Closed by its owner: nobody needs telling, and a lingering close must not keep the session reachable.
        closeBeforeBind = null;
        final ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null) {
            ByteBuf b;
            while ((b = q.poll()) != null) {
                b.release();
            }
        }
        engineClosed = true;
        if (!closed) {
            closed = true;
            // Flush first so that what the session forwarded last reaches the peer before the close.
            channel.flush();
            if (cause != null && resetsOnPeerReset() && PeerReset.is(cause)) {
                reset();
                return;
            }
            final ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
            if (cause == null && out != null && out.totalPendingWriteBytes() > 0 && channel.isActive()) {
                // A slow reader has not taken it all yet, and Netty's close would drop the rest: close once the
                // queue is written (an empty buffer past every codec completes after it), bounded for a peer that
                // never reads.
                final ScheduledFuture<?> limit = channel.eventLoop().schedule(
                        () -> channel.close(), DRAIN_MILLIS, TimeUnit.MILLISECONDS);
                channel.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    limit.cancel(false);
                    closeChannel(true);
                });
                return;
            }
            closeChannel(cause == null);
        }
    }

    /**
     * Returns whether this stage resets its connection when it is closed because another stage's peer reset its own
     * ({@link PeerReset}): a TCP connection does, whatever runs over it (TLS, framing), so that its peer learns that
     * the stream was cut short. A subclass whose protocol says that itself (a WebSocket's close frame) returns false.
     */
    protected boolean resetsOnPeerReset() {
        return channel instanceof SocketChannel;
    }

    /**
     * Resets the connection: SO_LINGER 0, and a close that skips the pipeline, so that no codec says a clean goodbye
     * first (a TLS close_notify would tell the peer that the stream is complete). What is still queued is dropped: the
     * reset would drop what the kernel has not sent yet anyway.
     */
    private void reset() {
        try {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (final ChannelException e) {
            // The socket is gone already: it closes all the same.
        }
        channel.unsafe().close(channel.voidPromise());
    }

    /** An epoll stream socket whose pipeline holds only this stage's handler (no codec, no TLS). */
    private boolean loneEpollStream() {
        return channel instanceof AbstractEpollStreamChannel && channel.pipeline().first() == channel.pipeline().last();
    }

    private void closeChannel(boolean graceful) {
        if (graceful && linger()) {
            return;
        }
        if (loneEpollStream() && channel.isOpen() && channel.eventLoop().inEventLoop()) {
            // The socket is closed before Netty's close, which then skips what only an open socket needs: the
            // SO_LINGER lookup and the removal from epoll (closing removes it). After a half-close Netty has already
            // removed it, and its second removal fails with ENOENT into an exception with a stack trace, once per
            // proxied connection. Only where this stage's handler is alone in the pipeline: a codec may still have
            // something to send on close (TLS its close_notify, WebSocket its close frame).
            try {
                ((AbstractEpollStreamChannel) channel).fd().close();
            } catch (final IOException x) {
                // Closed all the same; Netty's close below finishes the channel.
            }
        }
        channel.close();
    }

    /**
     * A stream peer that is still sending when the session ends normally (the other side ended and cannot pass a
     * half-close on: a WebSocket, a datagram peer, a deleted session) would get a reset, and lose the end of what
     * the session forwarded: the socket lingers instead ({@link LingeringClose}), for at most {@link #DRAIN_MILLIS}.
     * Returns false when there is no need (the peer already finished sending).
     */
    private boolean linger() {
        return !inputShut && LingeringClose.close(channel, DRAIN_MILLIS);
    }

    @Override
    public String describe() {
        // "127.0.0.1:16000", not InetSocketAddress's "host/127.0.0.1:16000"; other addresses (paths) as they print.
        final SocketAddress a = channel.remoteAddress();
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            final String h = i.getAddress().getHostAddress();
            return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + i.getPort();
        }
        return String.valueOf(a);
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
            final Consumer<@Nullable Throwable> l = closeBeforeBind;
            if (l != null) {
                closeBeforeBind = null;
                l.accept(cause);
            }
        }
    }

    @Override
    public void onCloseBeforeBind(Consumer<@Nullable Throwable> listener) {
        if (handler != null) {
            return;
        }
        if (notified) {
            listener.accept(pendingCause);
        } else {
            closeBeforeBind = listener;
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
            if (h == null && !closed && kind == StreamKind.BYTE) {
                // Netty drains a stream socket when the peer's FIN arrives, even with auto-read off: keep what
                // the peer sent for the session (at most the socket's receive buffer).
                ArrayDeque<ByteBuf> q = early;
                if (q == null) {
                    q = new ArrayDeque<>();
                    early = q;
                }
                q.add(buf);
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
                if (outputShut && !inputShut && !closed && loneEpollStream()
                        && ctx.channel().unsafe().recvBufAllocHandle().lastBytesRead() < 0) {
                    // The peer's end of stream after ours, seen here before Netty closes the channel for it (see
                    // shutdownOutputNow): the session ends now and closes the socket the cheap way (closeChannel).
                    inputShut = true;
                    h.onInputShutdown();
                }
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
                final StageHandler h = handler;
                inputShut = true;
                // Nothing more can be read. Off before keepWriting changes the socket's epoll events, so that neither
                // that change nor a later one reports the end of stream (always readable) again: Netty's epoll
                // transport then reads the socket only on an error event, which a reset raises (see below).
                ctx.channel().config().setAutoRead(false);
                HalfClosed.keepWriting(ctx.channel());
                if (h == null) {
                    earlyInputShutdown = true;
                } else if (!closed) {
                    h.onInputShutdown();
                }
                return;
            }
            if (evt instanceof ChannelInputShutdownReadComplete) {
                if (inputShut && !closed && HalfClosed.peerReset(ctx.channel())) {
                    // A reset after the peer's half-close: with nothing to write to it nobody would find out, and the
                    // session would wait for the half-close idle timeout. Everything the peer sent was delivered, so
                    // its stage ends as on a close, not as a failure (as RawTcpStage's does).
                    notifyClose(null);
                    closeChannel(false);
                }
                return;
            }
            if (evt instanceof SslCloseCompletionEvent e && e.isSuccess()) {
                // The peer's TLS close_notify: it sends no more, and a TLS stage cannot half-close, so the stage
                // ends as on a FIN (a client such as socat may keep the TCP connection open after it).
                ctx.channel().flush();
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            final StageHandler h = handler;
            if (outputShut && !inputShut && !closed && h != null) {
                // The peer's end of stream after ours (see shutdownOutputNow): an orderly finish, not a failure.
                inputShut = true;
                h.onInputShutdown();
            }
            notifyClose(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof ClosedChannelException && !ctx.channel().isOpen()) {
                // Writes that were still queued when the channel closed without an I/O error (a codec closed it on
                // the peer's request: a WebSocket close frame, a TLS close_notify) fail before Netty reports the
                // close itself: the peer's orderly close, not a failure of the session, which would drop what the
                // other side still has to deliver.
                notifyClose(null);
                return;
            }
            notifyClose(cause);
            ctx.close();
        }
    }
}
