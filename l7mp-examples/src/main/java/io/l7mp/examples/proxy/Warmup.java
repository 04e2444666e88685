package io.l7mp.examples.proxy;

import io.l7mp.L7mp;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spi.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs loopback traffic through a throw-away proxy before the real one starts, so that the JIT has compiled the
 * forwarding and connection paths before the first client arrives. A freshly started JVM interprets those paths for
 * its first ten thousand or so packets and connections: without this, a new proxy's first seconds run at a fraction
 * of its speed and its latency tail holds compilation stalls.
 *
 * <p>The throw-away proxy runs on the real proxy's event loops (shutting loops down would take paths the hot loop code
 * never took, and the JIT would throw that code away again), on ports of its own (127.0.0.1, chosen by the kernel).
 * Its peers, clients and echo servers alike, are Netty channels on the same loops: they run the same transport code
 * as the proxy, so they warm it up too, and unlike cold JDK sockets they are not the bottleneck. One kind of traffic
 * runs at a time, each for its share of the budget; then the warm-up waits (bounded) for the compiler queue to
 * drain, so that compilation does not compete with the first real traffic.
 */
final class Warmup {
    /** What one warm-up did, for the log line. */
    record Result(long datagrams, long connections, long requests, long bulkBytes, long millis, long compileMillis) {
    }

    private static final int UDP_FLOWS = 2;
    private static final int UDP_WINDOW = 8;
    private static final int NEW_UDP_FLOWS = 500;
    private static final int TCP_CLIENTS = 8;
    private static final int SIZE = 64;
    private static final int BULK_CHUNK = 64 * 1024;
    /** A flow that got no answer for this long sends a new window: its datagrams were lost. */
    private static final long STALL_MILLIS = 100;

    private final EventLoopGroup loops;
    private final long end;
    private double remainingShare = 1.0;
    private volatile long phaseEnd;
    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bulk = new AtomicLong();

    private Warmup(long budgetMillis, EventLoopGroup loops) {
        this.loops = loops;
        this.end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
    }

    /**
     * Warms the JIT up with at most {@code budgetMillis} of traffic through a throw-away proxy on {@code loops}, then
     * waits at most as long again for the compiler.
     */
    static Result run(long budgetMillis, EventLoopGroup loops) throws Exception {
        final long t0 = System.nanoTime();
        final Warmup w = new Warmup(budgetMillis, loops);
        w.traffic();
        final long traffic = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        final long compile = awaitCompiler(Math.max(200, budgetMillis));
        return new Result(w.datagrams.get(), w.connections.get(), w.requests.get(), w.bulk.get(), traffic, compile);
    }

    private void traffic() throws Exception {
        try (L7mp proxy = L7mp.builder().eventLoopGroup(loops, false).build()) {
            proxy.start().get(10, TimeUnit.SECONDS);
            final Transport t = proxy.transport();
            final Channel udpEcho = new Bootstrap().group(loops).channel(t.datagramChannelType())
                    .handler(new UdpEcho()).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            final Channel tcpEcho = tcpServer(t, true);
            final Channel tcpSink = tcpServer(t, false);
            try {
                final Config cfg = ConfigCodec.defaults().readConfig("""
                        listeners:
                          - {name: udp, spec: {protocol: UDP, address: 127.0.0.1, port: 0}, rules: [{action: {route: {destination: udp-echo}}}]}
                          - {name: tcp, spec: {protocol: TCP, address: 127.0.0.1, port: 0}, rules: [{action: {route: {destination: tcp-echo}}}]}
                          - {name: bulk, spec: {protocol: TCP, address: 127.0.0.1, port: 0}, rules: [{action: {route: {destination: tcp-sink}}}]}
                        clusters:
                          - {name: udp-echo, spec: {protocol: UDP, port: %d}, endpoints: [{spec: {address: 127.0.0.1}}]}
                          - {name: tcp-echo, spec: {protocol: TCP, port: %d}, endpoints: [{spec: {address: 127.0.0.1}}]}
                          - {name: tcp-sink, spec: {protocol: TCP, port: %d}, endpoints: [{spec: {address: 127.0.0.1}}]}
                        """.formatted(port(udpEcho), port(tcpEcho), port(tcpSink)), true);
                for (final ClusterSpec c : cfg.clusters()) {
                    proxy.addCluster(c).get(10, TimeUnit.SECONDS);
                }
                for (final ListenerSpec l : cfg.listeners()) {
                    proxy.addListener(l).get(10, TimeUnit.SECONDS);
                }
                final InetSocketAddress udp = address(proxy, "udp");
                final InetSocketAddress tcp = address(proxy, "tcp");
                final InetSocketAddress sink = address(proxy, "bulk");
                phase(0.30, UDP_FLOWS, done -> udpFlow(udp, done));
                phase(0.05, 1, done -> newUdpFlow(t, udp, NEW_UDP_FLOWS, done));
                phase(0.45, TCP_CLIENTS, done -> tcpConnection(t, tcp, done));
                phase(0.12, 1, done -> tcpRequests(t, tcp, done));
                phase(0.08, 1, done -> tcpBulk(t, sink, done));
            } finally {
                udpEcho.close().sync();
                tcpEcho.close().sync();
                tcpSink.close().sync();
            }
        }
    }

    /**
     * Starts {@code n} copies of a job, which count the latch down once they are done or the phase's share of the
     * remaining budget is spent, and waits for them (with a margin for connections that are still closing).
     */
    private void phase(double share, int n, Consumer<CountDownLatch> job) throws InterruptedException {
        final long now = System.nanoTime();
        phaseEnd = now + (long) ((end - now) * share / remainingShare);
        remainingShare -= share;
        final CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            job.accept(done);
        }
        done.await(Math.max(0, phaseEnd - System.nanoTime()) + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
    }

    private boolean timeLeft() {
        return System.nanoTime() < phaseEnd;
    }

    private static int port(Channel ch) {
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    private static InetSocketAddress address(L7mp proxy, String listener) {
        return (InetSocketAddress) proxy.listener(listener).localAddress();
    }

    /**
     * A flow with a window of datagrams in flight, as a media stream looks to the proxy. A JDK socket on a thread of
     * its own: while everything is still interpreted, a client on the proxy's loops would halve the proxy's share of
     * them.
     */
    private void udpFlow(InetSocketAddress proxy, CountDownLatch done) {
        final Thread th = new Thread(() -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                s.connect(proxy);
                s.setSoTimeout((int) STALL_MILLIS);
                final java.net.DatagramPacket out = new java.net.DatagramPacket(new byte[SIZE], SIZE);
                final java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[2048], 2048);
                int inFlight = 0;
                while (timeLeft()) {
                    for (; inFlight < UDP_WINDOW; inFlight++) {
                        s.send(out);
                    }
                    try {
                        s.receive(in);
                        inFlight--;
                        datagrams.incrementAndGet();
                    } catch (final SocketTimeoutException lost) {
                        inFlight = 0;
                    }
                }
            } catch (final IOException e) {
                // The flow ends; the warm-up goes on with what it did.
            } finally {
                done.countDown();
            }
        }, "l7mp-warmup");
        th.setDaemon(true);
        th.start();
    }

    /** New sessions: one datagram and its echo from each of many source ports, one after the other. */
    private void newUdpFlow(Transport t, InetSocketAddress proxy, int left, CountDownLatch done) {
        if (left == 0 || !timeLeft()) {
            done.countDown();
            return;
        }
        connect(t.datagramChannelType(), proxy, () -> newUdpFlow(t, proxy, left - 1, done),
                new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(ctx.alloc().directBuffer(SIZE).writeZero(SIZE));
                // A lost datagram or answer: go on with the next flow.
                ctx.executor().schedule(() -> ctx.close(), STALL_MILLIS, TimeUnit.MILLISECONDS);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                datagrams.incrementAndGet();
                ctx.close();
            }
        });
    }

    /**
     * Short connections, one after the other: connect, one request and its echo, close; the connection benchmark's
     * pattern. {@value #TCP_CLIENTS} of these run side by side.
     */
    private void tcpConnection(Transport t, InetSocketAddress proxy, CountDownLatch done) {
        if (!timeLeft()) {
            done.countDown();
            return;
        }
        connect(t.socketChannelType(), proxy, () -> tcpConnection(t, proxy, done), new ChannelInboundHandlerAdapter() {
            private int received;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(ctx.alloc().directBuffer(SIZE).writeZero(SIZE));
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                received += ((ByteBuf) msg).readableBytes();
                ReferenceCountUtil.release(msg);
                if (received >= SIZE) {
                    connections.incrementAndGet();
                    ctx.close();
                }
            }
        });
    }

    /** Request/response on one long connection. */
    private void tcpRequests(Transport t, InetSocketAddress proxy, CountDownLatch done) {
        connect(t.socketChannelType(), proxy, done::countDown, new ChannelInboundHandlerAdapter() {
            private int received;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(ctx.alloc().directBuffer(SIZE).writeZero(SIZE));
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                received += ((ByteBuf) msg).readableBytes();
                ReferenceCountUtil.release(msg);
                if (received < SIZE) {
                    return;
                }
                received -= SIZE;
                requests.incrementAndGet();
                if (timeLeft()) {
                    ctx.writeAndFlush(ctx.alloc().directBuffer(SIZE).writeZero(SIZE));
                } else {
                    ctx.close();
                }
            }
        });
    }

    /** Bulk upload into a sink: the path with full socket buffers and writability changes. */
    private void tcpBulk(Transport t, InetSocketAddress proxy, CountDownLatch done) {
        connect(t.socketChannelType(), proxy, done::countDown, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                fill(ctx);
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                fill(ctx);
            }

            private void fill(ChannelHandlerContext ctx) {
                while (ctx.channel().isWritable() && timeLeft()) {
                    ctx.write(ctx.alloc().directBuffer(BULK_CHUNK).writeZero(BULK_CHUNK));
                    bulk.addAndGet(BULK_CHUNK);
                }
                ctx.flush();
                if (!timeLeft()) {
                    ctx.close();
                }
            }
        });
    }

    /** Connects a client, and runs {@code next} once it is closed or could not connect. */
    private void connect(Class<? extends Channel> type, InetSocketAddress proxy, Runnable next,
                         ChannelInboundHandlerAdapter handler) {
        new Bootstrap().group(loops).channel(type).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(handler).addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                });
            }
        }).connect(proxy).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                f.channel().closeFuture().addListener(c -> next.run());
            } else {
                next.run();
            }
        });
    }

    /** Echoes every datagram to its sender. */
    private static final class UdpEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            final DatagramPacket p = (DatagramPacket) msg;
            ctx.write(new DatagramPacket(p.content(), p.sender()));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // An ICMP error from a client that went away: the other clients go on.
        }
    }

    /** An echo (or sink) server. */
    private Channel tcpServer(Transport t, boolean echo) throws InterruptedException {
        return new ServerBootstrap().group(loops).channel(t.serverSocketChannelType())
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (echo) {
                            ctx.write(msg);
                        } else {
                            ReferenceCountUtil.release(msg);
                        }
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        ctx.flush();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    /** Waits until the JIT compilers have been idle for a moment, at most {@code maxMillis}; returns the wait. */
    private static long awaitCompiler(long maxMillis) throws InterruptedException {
        final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        final long t0 = System.nanoTime();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return 0;
        }
        final long limit = t0 + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        long last = jit.getTotalCompilationTime();
        int quiet = 0;
        while (quiet < 2 && System.nanoTime() < limit) {
            // The compile queue is visible from inside the JVM only through this counter: poll it in 50 ms steps.
            TimeUnit.MILLISECONDS.sleep(50);
            final long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
