package io.l7mp.protocol;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Unix datagram socket bound to a path, for tests (the JDK has none, so it is a Netty epoll channel): it records
 * what it receives, and echoes it back to the sender when asked to.
 */
final class UnixDatagramPeer implements AutoCloseable {
    private final Path path;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final Channel channel;
    private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

    UnixDatagramPeer(Path path, boolean echo) throws InterruptedException {
        this.path = path;
        this.channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                        final byte[] b = ByteBufUtil.getBytes(p.content());
                        received.add(b);
                        if (echo) {
                            ctx.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(b), p.sender()));
                        }
                    }
                })
                .bind(new DomainSocketAddress(path.toString())).sync().channel();
    }

    Path path() {
        return path;
    }

    void send(Path to, byte[] data) throws InterruptedException {
        channel.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(data),
                new DomainSocketAddress(to.toString()))).sync();
    }

    /** Returns the next datagram, failing after {@code timeout}. */
    byte[] receive(Duration timeout) throws InterruptedException {
        final byte[] b = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (b == null) {
            throw new AssertionError("no datagram at " + path + " within " + timeout.toMillis() + " ms");
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        Files.deleteIfExists(path);
    }
}
