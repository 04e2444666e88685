package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Closes a stream socket whose peer may still be sending without resetting the connection. Closing a socket with
 * unread input makes the kernel answer with a reset, and the peer's kernel then throws away what it has not handed
 * to the application yet: the end of a proxied stream, an HTTP error answer sent while the client was still
 * uploading. The socket lingers instead: its output is shut down after what is queued (the peer reads to the end,
 * then our end of stream), what still comes in is dropped unread, and it closes on the peer's end of stream or at a
 * bound, whichever comes first.
 */
@UnstableApi
public final class LingeringClose {
    /** The pipeline name of the handler that holds the close back while the peer is still sending. */
    private static final String NAME = "l7mp-linger";

    private LingeringClose() {
    }

    /**
     * Closes {@code channel} through its pipeline, so that codecs say goodbye first (a WebSocket close frame, a TLS
     * close_notify), then lingers for at most {@code maxMillis}. A channel whose output is shut down already (a
     * half-close passed on: the answer and our end of stream are out) lingers too, for the peer's end of stream.
     * Returns false, and does nothing, where there is no peer input to wait for: not a stream socket, not active, its
     * input shut down already, or lingering already; the caller closes the channel itself then. Call on the channel's
     * event loop.
     */
    public static boolean close(Channel channel, long maxMillis) {
        if (!(channel instanceof DuplexChannel d) || !channel.isActive() || d.isInputShutdown()
                || !channel.eventLoop().inEventLoop() || channel.pipeline().get(NAME) != null) {
            return false;
        }
        channel.pipeline().addFirst(NAME, new Lingering(maxMillis, d.isOutputShutdown()));
        // The lingering handler, nearest the socket, holds the close back.
        channel.close();
        return true;
    }

    /**
     * Shuts the socket's output down; call once everything written has gone out. A native socket is shut down
     * directly, without Netty failing its (empty) outbound buffer with a new exception.
     */
    static void shutdownSocketOutput(Channel ch) {
        if (ch instanceof UnixChannel u && u.fd() instanceof Socket s) {
            try {
                s.shutdown(false, true);
            } catch (final IOException | NotYetConnectedException x) {
                // The peer reset the connection meanwhile: nothing more can reach it.
                ch.close();
            }
            return;
        }
        ((DuplexChannel) ch).shutdownOutput();
    }

    /** Nearest the socket while the channel waits for its peer's end of stream. */
    private static final class Lingering extends ChannelDuplexHandler {
        private final long maxMillis;
        /** Our end of stream went out before: nothing more can, not even a codec's goodbye. */
        private final boolean outputShut;
        private @Nullable ChannelPromise closing;
        private @Nullable ScheduledFuture<?> limit;

        Lingering(long maxMillis, boolean outputShut) {
            this.maxMillis = maxMillis;
            this.outputShut = outputShut;
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            if (closing != null) {
                finish(ctx, promise);
                return;
            }
            closing = promise;
            limit = ctx.executor().schedule(() -> finish(ctx, null), maxMillis, TimeUnit.MILLISECONDS);
            if (outputShut) {
                // Netty fails writes after its own shutdownOutput (NIO), which would end the linger at once.
                drain(ctx);
                return;
            }
            // After what the codecs wrote last (their goodbye): an empty buffer completes behind it.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (!f.isSuccess() || !ctx.channel().isActive()) {
                    finish(ctx, null);
                    return;
                }
                shutdownSocketOutput(ctx.channel());
                drain(ctx);
            });
        }

        /** Reads on, dropping what comes, until the peer's end of stream (or its close) ends the linger. */
        private static void drain(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }

        private void finish(ChannelHandlerContext ctx, @Nullable ChannelPromise extra) {
            final ScheduledFuture<?> l = limit;
            if (l != null) {
                l.cancel(false);
            }
            final ChannelPromise p = closing;
            if (p != null && !p.isDone()) {
                ctx.close(p);
            } else {
                ctx.close();
            }
            if (extra != null) {
                ctx.channel().closeFuture().addListener(f -> extra.trySuccess());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // Dropped, so that the socket closes without unread input (which would reset the connection).
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Nothing was passed on.
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // The peer's end of stream: it has everything and sends no more.
                finish(ctx, null);
                return;
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            final ScheduledFuture<?> l = limit;
            if (l != null) {
                l.cancel(false);
            }
            final ChannelPromise p = closing;
            if (p != null) {
                p.trySuccess();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The peer reset the connection meanwhile: nothing more can reach it.
            finish(ctx, null);
        }
    }
}
