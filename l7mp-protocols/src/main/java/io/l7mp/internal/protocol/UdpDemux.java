package io.l7mp.internal.protocol;

import io.l7mp.spi.Buffers;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Splits one server-mode UDP socket into sessions by remote address. Runs on the socket's loop, which is the loop of
 * every session it creates, so the peer map needs no lock. Idle sessions are found with a coarse tick, so the data
 * path only stores an int per datagram.
 */
final class UdpDemux extends ChannelInboundHandlerAdapter {
    /** Datagrams kept for a session that is still connecting; more are dropped. */
    private static final int MAX_QUEUED = 64;

    private final UdpListener listener;
    private final Channel channel;
    private final HashMap<InetSocketAddress, Peer> peers = new HashMap<>();
    private final ArrayList<Peer> dirty = new ArrayList<>();
    private int tick;
    private @Nullable ScheduledFuture<?> timer;
    private boolean flushPending;
    private final Runnable flushTask = this::flushNow;
    private final @Nullable UdpReadMode readMode;

    UdpDemux(UdpListener listener, Channel channel, @Nullable UdpReadMode readMode) {
        this.listener = listener;
        this.channel = channel;
        this.readMode = readMode;
    }

    private void flushNow() {
        flushPending = false;
        channel.flush();
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
        // The listener closed: sessions already emitted keep their peers but can no longer send through it.
        for (final Peer p : new ArrayList<>(peers.values())) {
            p.peerClosed();
        }
        ctx.fireChannelInactive();
    }

    private void expire() {
        tick++;
        List<Peer> idle = null;
        for (final Peer p : peers.values()) {
            if (tick - p.lastTick > 2) {
                if (idle == null) {
                    idle = new ArrayList<>();
                }
                idle.add(p);
            }
        }
        if (idle != null) {
            for (final Peer p : idle) {
                p.peerClosed();
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (readMode != null) {
            readMode.datagram();
        }
        final InetSocketAddress from = packet.sender();
        Peer p = peers.get(from);
        if (p == null) {
            if (!listener.accepts(from)) {
                packet.release();
                return;
            }
            p = new Peer(from);
            peers.put(from, p);
            p.receive(Buffers.compact(packet.content()));
            final InetSocketAddress local = (InetSocketAddress) channel.localAddress();
            listener.context().newSession("UDP:" + Net.tuple(from, local) + "-" + listener.nextSequence(),
                    Net.ipMetadata("UDP", from, local), p);
            return;
        }
        p.receive(Buffers.compact(packet.content()));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (readMode != null) {
            readMode.readComplete(channel);
        }
        final int n = dirty.size();
        for (int i = 0; i < n; i++) {
            dirty.get(i).readComplete();
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
        // An ICMP error on an unconnected socket says nothing about which session: keep serving the others.
    }

    /** The source stage of one session: the listener socket plus one remote address. */
    private final class Peer implements Stage {
        private final InetSocketAddress remote;
        private @Nullable StageHandler handler;
        private @Nullable ArrayDeque<ByteBuf> queue;
        private boolean closed;
        private boolean isDirty;
        /** The session's sink is above its high-water mark (see {@link #setAutoRead}). */
        private boolean paused;
        int lastTick;

        Peer(InetSocketAddress remote) {
            this.remote = remote;
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
            if (paused) {
                buf.release();
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
            // Zero-length datagrams are not sent; worse, in a sendmmsg batch Netty skips them but still counts them
            // as sent, so a later datagram of the batch would go out twice.
            if (closed || !msg.isReadable()) {
                msg.release();
                return;
            }
            lastTick = tick;
            channel.write(new DatagramPacket(msg, remote), channel.voidPromise());
        }

        @Override
        public void flush() {
            // Replies of many sessions share this socket: flush once after the loop has handled every ready
            // upstream socket, so that they leave in one sendmmsg instead of one syscall per session.
            if (!closed && !flushPending) {
                flushPending = true;
                channel.eventLoop().execute(flushTask);
            }
        }

        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        @Override
        public void setAutoRead(boolean autoRead) {
            // One socket serves many sessions: pausing it for one would stall the others, so this session's
            // datagrams are dropped meanwhile, as the kernel drops those of a socket nobody reads. Passed on, they
            // would queue in the sink without bound (a TCP upstream that stopped reading).
            paused = !autoRead;
        }

        @Override
        public void close(@Nullable Throwable cause) {
            if (closed) {
                return;
            }
            closed = true;
            peers.remove(remote, this);
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
            return Net.ip(remote) + ":" + remote.getPort();
        }
    }
}
