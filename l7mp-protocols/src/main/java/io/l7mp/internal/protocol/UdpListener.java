package io.l7mp.internal.protocol;

import io.l7mp.protocol.HostPort;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spi.ChannelStage;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.StreamKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP listener. Server mode: one socket per event loop on the same port (SO_REUSEPORT, epoll only; the kernel
 * keeps each remote on one socket), each demultiplexing its datagrams by remote address into sessions that live on
 * that socket's loop. Singleton mode: one socket connected to {@code connect}, one session, re-created when it ends.
 */
final class UdpListener implements Listener {
    private static final Logger logger = LoggerFactory.getLogger(UdpListener.class);
    /** Pause before a singleton listener re-creates its session, so a failing route does not spin. */
    private static final long SINGLETON_RESTART_MILLIS = 1000;

    private final ListenerContext ctx;
    private final UdpSpec spec;
    private final AtomicInteger sequence = new AtomicInteger();
    private final List<Channel> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile @Nullable SocketAddress local;
    private final @Nullable InetAddress acceptAddress;
    private final @Nullable Integer acceptPort;

    UdpListener(ListenerContext ctx, UdpSpec spec) {
        this.ctx = ctx;
        this.spec = spec;
        final HostPort c = spec.connect();
        InetAddress a = null;
        if (c != null && c.address() != null) {
            try {
                a = InetAddress.getByName(c.address());
            } catch (final UnknownHostException e) {
                throw new IllegalArgumentException("connect.address: \"" + c.address() + "\" (cannot resolve)", e);
            }
        }
        this.acceptAddress = a;
        this.acceptPort = c == null ? null : c.port();
    }

    String name() {
        return ctx.name();
    }

    ListenerContext context() {
        return ctx;
    }

    int nextSequence() {
        return sequence.getAndIncrement();
    }

    int idleTimeoutSeconds() {
        return spec.idleTimeout();
    }

    /** Returns whether a remote passes a partial {@code connect} filter. */
    boolean accepts(InetSocketAddress from) {
        return (acceptAddress == null || acceptAddress.equals(from.getAddress()))
                && (acceptPort == null || acceptPort == from.getPort());
    }

    @Override
    public CompletableFuture<Void> start() {
        return spec.singleton() ? startSingleton() : startServer();
    }

    private Bootstrap bootstrap(EventLoop loop) {
        final Bootstrap b = new Bootstrap().group(loop).channel(ctx.transport().datagramChannelType())
                .option(ChannelOption.SO_REUSEADDR, true)
                // Room for bursts of new flows while sessions are being set up (the kernel caps it at rmem_max).
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpProtocol.MAX_DATAGRAM));
        if (ctx.transport().isNative()) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        return b;
    }

    private CompletableFuture<Void> startServer() {
        final List<EventLoop> loops = new ArrayList<>();
        for (final EventExecutor e : ctx.transport().group()) {
            loops.add((EventLoop) e);
            if (!ctx.transport().isNative()) {
                break;
            }
        }
        final CompletableFuture<Void> done = new CompletableFuture<>();
        bindServer(loops, 0, Net.bindAddress(spec.address(), spec.port()), done);
        return done;
    }

    private void bindServer(List<EventLoop> loops, int i, InetSocketAddress addr, CompletableFuture<Void> done) {
        if (i == loops.size()) {
            done.complete(null);
            return;
        }
        final Bootstrap b = bootstrap(loops.get(i)).handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                // On epoll, server sockets switch between batched and single reads (UdpReadMode).
                final UdpReadMode mode = ctx.transport().isNative() ? new UdpReadMode() : null;
                if (mode != null) {
                    mode.install(ch);
                    if (UdpSegmenter.ENABLED) {
                        ch.pipeline().addLast(new UdpSegmenter());
                    }
                }
                ch.pipeline().addLast(new UdpDemux(UdpListener.this, ch, mode));
            }
        });
        b.bind(addr).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                closeSockets();
                done.completeExceptionally(f.cause());
                return;
            }
            sockets.add(f.channel());
            if (i == 0) {
                local = f.channel().localAddress();
            }
            // Later sockets share the first one's port, which matters when the spec asked for port 0.
            bindServer(loops, i + 1, (InetSocketAddress) local, done);
        });
    }

    private CompletableFuture<Void> startSingleton() {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        openSingleton(done);
        return done;
    }

    private void openSingleton(@Nullable CompletableFuture<Void> done) {
        if (closed) {
            return;
        }
        final EventLoop loop = ctx.transport().group().next();
        final ChannelStage[] stage = new ChannelStage[1];
        final Bootstrap b = bootstrap(loop).handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                if (ctx.transport().isNative() && UdpSegmenter.ENABLED) {
                    ch.pipeline().addLast(new UdpSegmenter());
                }
                stage[0] = new ChannelStage(ch, StreamKind.DATAGRAM);
            }
        });
        final HostPort c = spec.connect();
        final InetSocketAddress remote = new InetSocketAddress(c.address(), c.port());
        b.connect(remote, Net.bindAddress(spec.address(), spec.port())).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                if (done != null) {
                    done.completeExceptionally(f.cause());
                } else {
                    logger.warn("listener {}: cannot reopen singleton socket: {}", ctx.name(), f.cause().toString());
                    loop.schedule(() -> openSingleton(null), SINGLETON_RESTART_MILLIS, TimeUnit.MILLISECONDS);
                }
                return;
            }
            final Channel ch = f.channel();
            sockets.add(ch);
            local = ch.localAddress();
            if (done != null) {
                done.complete(null);
            }
            ch.closeFuture().addListener(x -> {
                sockets.remove(ch);
                if (!closed) {
                    loop.schedule(() -> openSingleton(null), SINGLETON_RESTART_MILLIS, TimeUnit.MILLISECONDS);
                }
            });
            final SocketAddress l = ch.localAddress();
            ctx.newSession("UDP:" + Net.tuple(remote, l) + "-" + nextSequence(), Net.ipMetadata("UDP", remote, l),
                    stage[0]);
        });
    }

    @Override
    public @Nullable SocketAddress localAddress() {
        return local;
    }

    @Override
    public CompletableFuture<Void> close() {
        closed = true;
        return closeSockets();
    }

    private CompletableFuture<Void> closeSockets() {
        final List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (final Channel ch : sockets) {
            final CompletableFuture<Void> f = new CompletableFuture<>();
            ch.close().addListener(x -> f.complete(null));
            fs.add(f);
        }
        sockets.clear();
        return CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0]));
    }
}
