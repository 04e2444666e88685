package io.l7mp.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.Errors;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Sends runs of same-sized datagrams to one destination as one UDP segmentation offload ({@code UDP_SEGMENT}) send:
 * the kernel builds, routes and passes down one packet for the whole run and cuts it into datagrams at the end (on
 * loopback, where the receiving socket queues it), instead of doing all of that per datagram. Datagrams written
 * between two flushes are held until the flush; each run of datagrams to the same destination whose sizes are equal
 * (the last one may be shorter) becomes one send. The receiver sees the same datagrams as before.
 *
 * <p>Only datagrams of at most {@link #MAX_SEGMENT} bytes are joined, so that a segment fits the smallest IPv6 path
 * MTU: a larger segment than the route's MTU fails the whole send. A send the kernel refuses for segmentation's sake
 * ({@code EINVAL}, {@code EIO}: no checksum offload, IPsec, a smaller MTU) is sent again datagram by datagram, and the
 * channel stops segmenting. Other errors go down the pipeline as a single datagram's would.
 *
 * <p>One instance per channel, used on its event loop only.
 */
final class UdpSegmenter extends ChannelOutboundHandlerAdapter {
    /**
     * Whether UDP sockets segment: the kernel and Netty's native transport can send with {@code UDP_SEGMENT}, and the
     * system property {@code l7mp.udp.segment} is not {@code false}.
     */
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("l7mp.udp.segment", "true"))
            && Epoll.isAvailable() && SegmentedDatagramPacket.isSupported();
    /** The largest datagram joined into a run: the IPv6 minimum MTU (1280) less the IPv6 and UDP headers. */
    static final int MAX_SEGMENT = 1232;
    /** Segments per send: the kernel's limit (UDP_MAX_SEGMENTS) is 64 on older kernels. */
    static final int MAX_SEGMENTS = 64;
    /** Bytes per send: below the largest UDP payload over IPv4. */
    private static final int MAX_BYTES = 65_000;
    private static final int EINVAL = -22;
    private static final int EIO = -5;

    private final ArrayList<Object> held = new ArrayList<>();
    private boolean off;
    private long joined;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!off && promise.isVoid() && size(msg) > 0) {
            held.add(msg);
            return;
        }
        release(ctx);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        release(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        release(ctx);
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (final Object m : held) {
            ReferenceCountUtil.release(m);
        }
        held.clear();
    }

    /** Passes the held datagrams on, joining runs. */
    private void release(ChannelHandlerContext ctx) {
        final int n = held.size();
        if (n == 0) {
            return;
        }
        int i = 0;
        while (i < n) {
            final Object first = held.get(i);
            final int seg = size(first);
            final InetSocketAddress to = recipient(first);
            final int limit = Math.min(MAX_SEGMENTS, MAX_BYTES / seg);
            int j = i + 1;
            int total = seg;
            while (j < n && j - i < limit) {
                final Object m = held.get(j);
                final int len = size(m);
                if (len > seg || !same(to, recipient(m))) {
                    break;
                }
                j++;
                total += len;
                if (len < seg) {
                    break;
                }
            }
            if (j - i == 1) {
                ctx.write(first, ctx.voidPromise());
            } else {
                join(ctx, i, j, seg, total, to);
            }
            i = j;
        }
        held.clear();
    }

    private void join(ChannelHandlerContext ctx, int from, int to, int seg, int total,
            @Nullable InetSocketAddress recipient) {
        final ByteBuf buf = ctx.alloc().directBuffer(total, total);
        for (int k = from; k < to; k++) {
            final Object m = held.get(k);
            buf.writeBytes(content(m));
            ReferenceCountUtil.release(m);
        }
        final InetSocketAddress sender = recipient == null ? (InetSocketAddress) ctx.channel().localAddress() : null;
        joined++;
        final Run run = new Run(ctx, buf.retain(), seg, recipient, sender);
        ctx.write(new SegmentedDatagramPacket(buf, seg, recipient, sender)).addListener(run);
    }

    /** One joined send: keeps its bytes until the send is done, to send them again singly if segmenting failed. */
    private final class Run implements ChannelFutureListener {
        private final ChannelHandlerContext ctx;
        private final ByteBuf buf;
        private final int seg;
        private final @Nullable InetSocketAddress recipient;
        private final @Nullable InetSocketAddress sender;

        Run(ChannelHandlerContext ctx, ByteBuf buf, int seg, @Nullable InetSocketAddress recipient,
                @Nullable InetSocketAddress sender) {
            this.ctx = ctx;
            this.buf = buf;
            this.seg = seg;
            this.recipient = recipient;
            this.sender = sender;
        }

        @Override
        public void operationComplete(ChannelFuture f) {
            if (f.isSuccess()) {
                buf.release();
                return;
            }
            final Throwable cause = f.cause();
            if (cause instanceof Errors.NativeIoException e
                    && (e.expectedErr() == EINVAL || e.expectedErr() == EIO) && ctx.channel().isActive()) {
                off = true;
                while (buf.isReadable()) {
                    final ByteBuf one = buf.readRetainedSlice(Math.min(seg, buf.readableBytes()));
                    ctx.write(recipient == null ? one : new DatagramPacket(one, recipient, sender),
                            ctx.voidPromise());
                }
                buf.release();
                ctx.flush();
                return;
            }
            buf.release();
            ctx.fireExceptionCaught(cause);
        }
    }

    /** Joined sends so far (for tests). */
    long joinedSends() {
        return joined;
    }

    /** Whether the channel stopped segmenting after the kernel refused it (for tests). */
    boolean stopped() {
        return off;
    }

    private static boolean same(@Nullable InetSocketAddress a, @Nullable InetSocketAddress b) {
        return a == b || a != null && a.equals(b);
    }

    /** The size of a datagram that may join a run, or 0. */
    private static int size(Object msg) {
        final ByteBuf c;
        if (msg instanceof ByteBuf b) {
            c = b;
        } else if (msg instanceof DatagramPacket p && !(p instanceof io.netty.channel.unix.SegmentedDatagramPacket)
                && p.recipient() != null) {
            c = p.content();
        } else {
            return 0;
        }
        final int n = c.readableBytes();
        return n <= MAX_SEGMENT ? n : 0;
    }

    private static @Nullable InetSocketAddress recipient(Object msg) {
        return msg instanceof DatagramPacket p ? p.recipient() : null;
    }

    private static ByteBuf content(Object msg) {
        return msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
    }
}
