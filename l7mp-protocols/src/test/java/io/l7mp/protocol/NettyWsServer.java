package io.l7mp.protocol;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket echo server built on Netty for tests: records each upgrade request and close code it sees, echoes each
 * data frame with its type (with an optional prefix), and can refuse upgrades or close every connection with a code.
 */
final class NettyWsServer implements AutoCloseable {
    /** What an upgrade request looked like. */
    record Request(String uri, Map<String, String> headers) {
    }

    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> closeCodes = new LinkedBlockingQueue<>();
    final List<Channel> connections = new CopyOnWriteArrayList<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final @Nullable HttpResponseStatus refuse;
    private final String prefix;

    NettyWsServer() throws InterruptedException {
        this(null, null, "");
    }

    NettyWsServer(@Nullable SslContext ssl, @Nullable HttpResponseStatus refuse, String prefix)
            throws InterruptedException {
        this.refuse = refuse;
        this.prefix = prefix;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    Request request() throws InterruptedException {
        final Request r = requests.poll(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no upgrade request within 5 s");
        }
        return r;
    }

    /** Closes every connection with a close frame carrying {@code code}. */
    void closeAll(int code) {
        for (final Channel c : connections) {
            c.writeAndFlush(new CloseWebSocketFrame(code, "bye")).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<Object> {
        private @Nullable WebSocketServerHandshaker handshaker;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                final Map<String, String> h = new java.util.TreeMap<>();
                req.headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
                requests.add(new Request(req.uri(), h));
                if (refuse != null) {
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refuse))
                            .addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                handshaker = new WebSocketServerHandshakerFactory("ws://localhost" + req.uri(), null, false,
                        16 * 1024 * 1024).newHandshaker(req);
                handshaker.handshake(ctx.channel(), req);
                connections.add(ctx.channel());
                return;
            }
            final WebSocketFrame f = (WebSocketFrame) msg;
            if (f instanceof CloseWebSocketFrame c) {
                closeCodes.add(c.statusCode());
                handshaker.close(ctx.channel(), c.retain());
            } else if (f instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(f.content().retain()));
            } else if (f instanceof TextWebSocketFrame t) {
                ctx.writeAndFlush(new TextWebSocketFrame(prefix + t.text()));
            } else if (f instanceof BinaryWebSocketFrame) {
                final ByteBuf out = ctx.alloc().buffer();
                ByteBufUtil.writeUtf8(out, prefix);
                out.writeBytes(f.content(), f.content().readerIndex(), f.content().readableBytes());
                ctx.writeAndFlush(new BinaryWebSocketFrame(out));
            }
            // An echo server that cannot write stops reading, as a real one would, instead of queueing without bound.
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connections.remove(ctx.channel());
        }
    }
}
