package io.l7mp.spi;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

/** The event loops of a proxy and the channel types that go with them: native epoll when available, else NIO. */
public interface Transport {
    /** Returns "epoll" or "nio". */
    String name();

    /** Returns true for a native transport (epoll), which offers Unix sockets and SO_REUSEPORT. */
    boolean isNative();

    /** Returns the proxy's event loops. */
    EventLoopGroup group();

    /** Returns the datagram channel type for this transport. */
    Class<? extends DatagramChannel> datagramChannelType();

    /** Returns the server socket channel type for this transport. */
    Class<? extends ServerSocketChannel> serverSocketChannelType();

    /** Returns the socket channel type for this transport. */
    Class<? extends SocketChannel> socketChannelType();
}
