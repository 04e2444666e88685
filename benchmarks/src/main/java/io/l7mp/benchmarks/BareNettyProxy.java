package io.l7mp.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.InetSocketAddress;

/**
 * The floor under the proxy's TCP rows: a TCP relay on plain Netty with none of the engine (no rules, sessions,
 * metadata or stats), on epoll or io_uring. Comparing it with the proxy under the same load tells the engine's cost
 * from Netty's own. Listens on loopback only and runs until killed:
 * {@code java -cp benchmarks/target/benchmarks.jar io.l7mp.benchmarks.BareNettyProxy epoll 19101 19001}.
 */
public final class BareNettyProxy {
    private BareNettyProxy() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3 || !(args[0].equals("epoll") || args[0].equals("io_uring"))) {
            System.err.println("usage: BareNettyProxy epoll|io_uring LISTEN_PORT UPSTREAM_PORT (both on 127.0.0.1)");
            System.exit(2);
        }
        final boolean uring = args[0].equals("io_uring");
        final IoHandlerFactory io = uring ? IoUringIoHandler.newFactory() : EpollIoHandler.newFactory();
        final Class<? extends ServerChannel> serverType =
                uring ? IoUringServerSocketChannel.class : EpollServerSocketChannel.class;
        final Class<? extends Channel> clientType = uring ? IoUringSocketChannel.class : EpollSocketChannel.class;
        final InetSocketAddress upstream = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2]));
        final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        new ServerBootstrap().group(loops).channel(serverType)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel in) {
                        final Channel out = new Bootstrap().group(in.eventLoop()).channel(clientType)
                                .handler(new Relay(in)).connect(upstream)
                                .addListener((ChannelFutureListener) f -> {
                                    if (f.isSuccess()) {
                                        in.config().setAutoRead(true);
                                    } else {
                                        in.close();
                                    }
                                }).channel();
                        in.pipeline().addLast(new Relay(out));
                    }
                })
                .bind("127.0.0.1", Integer.parseInt(args[1])).sync();
        System.out.println("BareNettyProxy " + args[0] + " 127.0.0.1:" + args[1] + " -> " + upstream);
        loops.terminationFuture().sync();
    }

    /** Passes what one side reads to the other, flushing once per read batch; a close closes the other after it. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel other;

        Relay(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            other.write(msg, other.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            other.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
