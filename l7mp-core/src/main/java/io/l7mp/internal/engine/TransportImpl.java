package io.l7mp.internal.engine;

import io.l7mp.spi.Transport;
import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.channels.spi.SelectorProvider;

/** Epoll when the native library loads (and is not disabled with {@code -Dl7mp.transport=nio}), NIO otherwise. */
public record TransportImpl(String name, boolean isNative, EventLoopGroup group) implements Transport {

    /** Returns true when epoll can be used and the user did not ask for NIO. */
    public static boolean epollPreferred() {
        return !"nio".equalsIgnoreCase(System.getProperty("l7mp.transport", "")) && Epoll.isAvailable();
    }

    /** The largest poll time: a loop that polls longer than a millisecond is a busy loop, not a short wait. */
    public static final int MAX_SPIN_MICROS = 1000;

    /** The default of {@link #spinMicros()}: long enough for a loopback peer to answer, short against a sleep. */
    public static final int DEFAULT_SPIN_MICROS = 30;

    /**
     * Returns how long an event loop polls for new events after a round of work before it sleeps:
     * {@code -Dl7mp.spinMicros}, {@link #DEFAULT_SPIN_MICROS} when not set.
     */
    public static int spinMicros() {
        final String v = System.getProperty("l7mp.spinMicros");
        if (v == null) {
            return DEFAULT_SPIN_MICROS;
        }
        try {
            final int n = Integer.parseInt(v.trim());
            if (n >= 0 && n <= MAX_SPIN_MICROS) {
                return n;
            }
        } catch (final NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-Dl7mp.spinMicros=" + v + ": expected microseconds, 0-" + MAX_SPIN_MICROS);
    }

    /**
     * Creates an event loop group of {@code threads} loops (0: one per core) whose loops poll for {@code spinMicros}
     * after a round of work before they sleep (0: sleep right away).
     */
    public static TransportImpl create(int threads, int spinMicros) {
        final boolean epoll = epollPreferred();
        // One loop per core: a session never leaves its loop, so more loops than cores only add switching.
        threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        final DefaultThreadFactory tf = new DefaultThreadFactory("l7mp", true);
        final long spin = spinMicros * 1000L;
        final SelectStrategyFactory wait = spin > 0 ? () -> new SpinThenBlock(spin)
                : DefaultSelectStrategyFactory.INSTANCE;
        final EventLoopGroup g = new MultiThreadIoEventLoopGroup(threads, tf, epoll ? EpollIoHandler.newFactory(0, wait)
                : NioIoHandler.newFactory(SelectorProvider.provider(), wait));
        return new TransportImpl(epoll ? "epoll" : "nio", epoll, g);
    }

    /** Wraps a group the application owns, choosing the channel types that fit its I/O handler. */
    public static TransportImpl wrap(EventLoopGroup group) {
        final boolean epoll = group instanceof IoEventLoopGroup io && Epoll.isAvailable()
                && io.isIoType(EpollIoHandler.class);
        return new TransportImpl(epoll ? "epoll" : "nio", epoll, group);
    }

    @Override
    public Class<? extends DatagramChannel> datagramChannelType() {
        return isNative ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    @Override
    public Class<? extends ServerSocketChannel> serverSocketChannelType() {
        return isNative ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    @Override
    public Class<? extends SocketChannel> socketChannelType() {
        return isNative ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
