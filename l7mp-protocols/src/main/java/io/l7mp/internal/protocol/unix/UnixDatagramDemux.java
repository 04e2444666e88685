package io.l7mp.internal.protocol.unix;

import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a server-mode Unix datagram socket into sessions by the sender's socket path. Runs on the socket's loop,
 * which is every session's loop, so the peer map needs no lock. Datagrams from unnamed sockets cannot be answered
 * and are dropped. A session ends after the idle timeout, or when a write finds its peer gone.
 */
final class UnixDatagramDemux extends ChannelInboundHandlerAdapter {
    private static final Logger logger = LoggerFactory.getLogger(UnixDatagramDemux.class);
    /** Datagrams kept for a session that is still connecting; more are dropped. */
    private static final int MAX_QUEUED = 64;

    private final UnixDatagramListener listener;
    private final Channel channel;
    private final HashMap<String, Peer> peers = new HashMap<>();
    private final ArrayList<Peer> dirty = new ArrayList<>();
    private int tick;
    private boolean unnamedWarned;
    private @Nullable ScheduledFuture<?> timer;

    UnixDatagramDemux(UnixDatagramListener listener, Channel channel) {
        this.listener = listener;
        this.channel = channel;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Ticks at half the idle timeout: a session ends after one to one and a half timeouts of silence.
        final long period = Math.max(500, listener.idleTimeoutSeconds() * 500L);
        timer = ctx.executor().scheduleAtFixedRate(this::expire, period, period, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        for (final Peer p : new ArrayList<>(peers.values())) {
            p.peerClosed();
        }
        ctx.fireChannelInactive();
    }

    private void expire() {
        tick++;
        final List<Peer> idle = new ArrayList<>();
        for (final Peer p : peers.values()) {
            if (tick - p.lastTick > 2) {
                idle.add(p);
            }
        }
        for (final Peer p : idle) {
            p.peerClosed();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DomainDatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        final String from = packet.sender() == null ? "" : packet.sender().path();
        if (from.isEmpty()) {
            if (!unnamedWarned) {
                unnamedWarned = true;
                logger.warn("listener {}: dropping datagrams from an unnamed socket: a peer must bind its socket to a "
                        + "path to be answered", listener.context().name());
            }
            packet.release();
            return;
        }
        Peer p = peers.get(from);
        if (p == null) {
            p = new Peer(from);
            peers.put(from, p);
            p.receive(packet.content());
            listener.context().newSession(listener.nextSessionName(), listener.metadata(from), p);
            return;
        }
        p.receive(packet.content());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        for (final Peer p : dirty) {
            p.readComplete();
        }
        dirty.clear();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        final boolean w = channel.isWritable();
        for (final Peer p : new ArrayList<>(peers.values())) {
            p.writabilityChanged(w);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("listener {}: {}", listener.context().name(), cause.toString());
    }

    /** The source stage of one session: the listener socket plus one peer path. */
    private final class Peer implements Stage, ChannelFutureListener {
        private final String path;
        private final DomainSocketAddress address;
        private @Nullable StageHandler handler;
        private @Nullable ArrayDeque<ByteBuf> queue;
        private boolean closed;
        private boolean isDirty;
        int lastTick;

        Peer(String path) {
            this.path = path;
            this.address = new DomainSocketAddress(path);
            this.lastTick = tick;
        }

        void receive(ByteBuf buf) {
            lastTick = tick;
            final StageHandler h = handler;
            if (h == null) {
                ArrayDeque<ByteBuf> q = queue;
                if (q == null) {
                    q = new ArrayDeque<>();
                    queue = q;
                }
                if (q.size() < MAX_QUEUED) {
                    q.add(buf);
                } else {
                    buf.release();
                }
                return;
            }
            h.onRead(buf);
            if (!isDirty) {
                isDirty = true;
                dirty.add(this);
            }
        }

        void readComplete() {
            isDirty = false;
            final StageHandler h = handler;
            if (h != null && !closed) {
                h.onReadComplete();
            }
        }

        void writabilityChanged(boolean w) {
            final StageHandler h = handler;
            if (h != null && !closed) {
                h.onWritabilityChanged(w);
            }
        }

        void peerClosed() {
            final StageHandler h = handler;
            if (!closed) {
                close(null);
                if (h != null) {
                    h.onClose(null);
                }
            }
        }

        /** A send failed: the peer's socket is gone (ENOENT, ECONNREFUSED), so is the session. */
        @Override
        public void operationComplete(ChannelFuture f) {
            if (!f.isSuccess() && !closed && channel.isActive()) {
                logger.debug("listener {}: peer {} gone: {}", listener.context().name(), path, f.cause().toString());
                peerClosed();
            }
        }

        @Override
        public EventLoop eventLoop() {
            return channel.eventLoop();
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.DATAGRAM;
        }

        @Override
        public void bind(StageHandler h) {
            handler = h;
            final ArrayDeque<ByteBuf> q = queue;
            queue = null;
            if (q != null && !q.isEmpty()) {
                ByteBuf b;
                while ((b = q.poll()) != null) {
                    h.onRead(b);
                }
                h.onReadComplete();
            }
        }

        @Override
        public void write(ByteBuf msg) {
            if (closed) {
                msg.release();
                return;
            }
            lastTick = tick;
            channel.write(new DomainDatagramPacket(msg, address)).addListener(this);
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
            // One socket serves every peer: pausing it for one would stall the others.
        }

        @Override
        public void close(@Nullable Throwable cause) {
            if (closed) {
                return;
            }
            closed = true;
            peers.remove(path, this);
            final ArrayDeque<ByteBuf> q = queue;
            queue = null;
            if (q != null) {
                ByteBuf b;
                while ((b = q.poll()) != null) {
                    b.release();
                }
            }
            if (channel.isActive()) {
                channel.flush();
            }
        }

        @Override
        public String describe() {
            return path;
        }
    }
}
