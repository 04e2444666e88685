package io.l7mp.testing.conformance;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;

/**
 * The event-loop transports every conformance check runs on. The proxy gets its own group of the kind
 * ({@link io.l7mp.L7mpBuilder#eventLoopGroup}), which decides its transport whatever {@code -Dl7mp.transport} says.
 */
public enum Loops {
    /** Netty's native epoll transport (Linux). */
    EPOLL,
    /** The JDK's NIO transport. */
    NIO;

    /** Returns the transport name as {@link io.l7mp.spi.Transport#name()} reports it. */
    public String transportName() {
        return this == EPOLL ? "epoll" : "nio";
    }

    /** Returns whether this transport can run here (epoll needs Linux and Netty's native library). */
    public boolean available() {
        return this == NIO || Epoll.isAvailable();
    }

    /** Creates a group of two loops of this kind, so that listener and session loops can differ. */
    public EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(2, this == EPOLL ? EpollIoHandler.newFactory()
                : NioIoHandler.newFactory());
    }
}
