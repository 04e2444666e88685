package io.l7mp.internal.protocol.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Bounds how long an HTTP/1 request head may take from its first byte. It sits below the codec, which keeps an
 * incomplete head to itself: a client that trickles its head a byte at a time (slowloris) would otherwise hold its
 * connection for as long as each byte comes before the idle timeout. {@link HttpConnection} says when a head has been
 * decoded and when the next one is due, and decides what a timeout does. Confined to the channel's loop.
 */
final class HeadTimer extends ChannelInboundHandlerAdapter {
    private final long timeoutMillis;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ScheduledFuture<?> timer;
    private @Nullable Runnable onTimeout;
    /** The next bytes begin a request head. */
    private boolean waiting = true;

    HeadTimer(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** What to do when a head is not complete in time; called on the loop. */
    void onTimeout(Runnable r) {
        onTimeout = r;
    }

    /** A request head has been decoded. */
    void headDone() {
        waiting = false;
        cancel();
    }

    /** A request has ended: the next bytes begin the next head. */
    void nextHead() {
        waiting = true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        ctx = c;
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (waiting && timer == null && msg instanceof ByteBuf b && b.isReadable()) {
            timer = c.executor().schedule(this::expired, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        c.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        cancel();
        c.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext c) {
        cancel();
    }

    long timeoutMillis() {
        return timeoutMillis;
    }

    private void expired() {
        timer = null;
        final ChannelHandlerContext c = ctx;
        if (!waiting || c == null || !c.channel().isActive()) {
            return;
        }
        final Runnable r = onTimeout;
        if (r != null) {
            r.run();
        } else {
            c.close();
        }
    }

    private void cancel() {
        final ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }
}
