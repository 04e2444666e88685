package io.l7mp.internal.protocol.http;

import io.l7mp.internal.protocol.Net;
import io.l7mp.internal.protocol.PeerErrorLog;
import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.HttpSpec;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts HTTP connections: HTTP/1.x, and HTTP/2 in clear text either with prior knowledge or through an
 * {@code Upgrade: h2c} request; with TLS, HTTP/1.1 or HTTP/2 as ALPN chooses (HTTP/1.1 for clients without ALPN).
 * Every request (every HTTP/2 stream) becomes a session on the connection's loop.
 */
final class HttpListenerImpl implements Listener {
    private static final Logger logger = LoggerFactory.getLogger(HttpListenerImpl.class);
    /** The largest body an {@code Upgrade} request may carry; the upgrade handler buffers it. */
    static final int MAX_UPGRADE_BODY = 64 * 1024;
    /** A keep-alive connection with no request for this long is closed. */
    static final long IDLE_SECONDS = 300;

    private final ListenerContext ctx;
    private final HttpSpec spec;
    private final AtomicLong ids = new AtomicLong();
    /** What peers get wrong, at INFO now and then. */
    final PeerErrorLog peerErrors = new PeerErrorLog(LoggerFactory.getLogger(HttpConnection.class));
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile @Nullable Channel server;
    private volatile @Nullable SslContext ssl;

    HttpListenerImpl(ListenerContext ctx, HttpSpec spec) {
        this.ctx = ctx;
        this.spec = spec;
    }

    String name() {
        return ctx.name();
    }

    ListenerContext context() {
        return ctx;
    }

    long nextId() {
        return ids.getAndIncrement();
    }

    /**
     * Returns how long a connection that ends after an answer may wait for the client to stop sending (see
     * {@link HttpConnection}): the head timeout, the time a client may take to send what it still owes.
     */
    long lingerMillis() {
        return spec.headTimeoutOrDefault();
    }

    @Override
    public CompletableFuture<Void> start() {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (spec.tls() != null) {
            try {
                ssl = Tls.serverContext(spec.tls(), List.of(ApplicationProtocolNames.HTTP_2,
                        ApplicationProtocolNames.HTTP_1_1));
            } catch (final IllegalArgumentException e) {
                done.completeExceptionally(e);
                return done;
            }
        }
        final ServerBootstrap b = new ServerBootstrap().group(ctx.transport().group())
                .channel(ctx.transport().serverSocketChannelType())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A client that half-closes after its request still gets the response (see HttpConnection).
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        configure(ch);
                    }
                });
        b.bind(Net.bindAddress(spec.address(), spec.port())).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                server = f.channel();
                done.complete(null);
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        return done;
    }

    private void configure(SocketChannel ch) {
        final SslContext s = ssl;
        if (s != null) {
            ch.pipeline().addLast(Tls.HANDLER_NAME, Tls.serverHandler(s, ch)).addLast(new Negotiation());
            return;
        }
        final HttpServerCodec codec = new HttpServerCodec();
        final HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec,
                protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(frameCodec(), multiplex()) {
                            @Override
                            public void upgradeTo(ChannelHandlerContext c, FullHttpRequest request) {
                                removeHeadTimer(c.pipeline());   // HTTP/2 from here on
                                super.upgradeTo(c, request);
                            }
                        } : null,
                MAX_UPGRADE_BODY) {
            /**
             * The upgrade request is held whole until it is answered, so one with a body too large for that (curl
             * --http2 -d @file) is served as HTTP/1.1 instead of refused with 413, as RFC 7230 lets a server ignore
             * an upgrade.
             */
            @Override
            protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
                return !HttpUtil.isTransferEncodingChunked(req)
                        && HttpUtil.getContentLength(req, 0L) <= MAX_UPGRADE_BODY;
            }
        };
        final ChannelHandler priorKnowledge = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                removeHeadTimer(c.pipeline());
                c.pipeline().addLast(frameCodec(), multiplex());
            }
        };
        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                new HeadTimer(spec.headTimeoutOrDefault()),
                new CleartextHttp2ServerUpgradeHandler(codec, upgrade, priorKnowledge),
                new HttpServerExpectContinueHandler(),
                new HttpConnection(this, false));
        logger.debug("listener {}: connection from {}", ctx.name(), ch.remoteAddress());
    }

    private static void removeHeadTimer(io.netty.channel.ChannelPipeline p) {
        if (p.get(HeadTimer.class) != null) {
            p.remove(HeadTimer.class);
        }
    }

    /** After the TLS handshake, sets up the pipeline for the protocol ALPN chose; drops failed handshakes quietly. */
    private final class Negotiation extends ApplicationProtocolNegotiationHandler {
        Negotiation() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext c, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                c.pipeline().addLast(frameCodec(), multiplex());
            } else {
                c.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                        new HeadTimer(spec.headTimeoutOrDefault()), new HttpServerCodec(),
                        new HttpServerExpectContinueHandler(),
                        new HttpConnection(HttpListenerImpl.this, false));
            }
            logger.debug("listener {}: TLS connection from {} speaks {}", ctx.name(), c.channel().remoteAddress(),
                    protocol);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext c, Throwable cause) {
            // A client that cannot complete the handshake (no or a wrong certificate) never reaches the rules.
            logger.debug("listener {}: TLS handshake with {} failed: {}", ctx.name(), c.channel().remoteAddress(),
                    cause.toString());
            c.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            logger.debug("listener {}: TLS connection from {} failed: {}", ctx.name(), c.channel().remoteAddress(),
                    cause.toString());
            c.close();
        }
    }

    private static Http2FrameCodec frameCodec() {
        return Http2FrameCodecBuilder.forServer().build();
    }

    private Http2MultiplexHandler multiplex() {
        final ChannelInitializer<Http2StreamChannel> stream = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Http2StreamChannel s) {
                s.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new HttpConnection(
                        HttpListenerImpl.this, true));
            }
        };
        return new Http2MultiplexHandler(stream, stream);
    }

    @Override
    public @Nullable SocketAddress localAddress() {
        final Channel s = server;
        return s == null ? null : s.localAddress();
    }

    /** Stops accepting; open connections finish the request under way and take no other (HTTP/2: GOAWAY). */
    @Override
    public CompletableFuture<Void> close() {
        final Channel s = server;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        for (final Channel c : connections) {
            c.eventLoop().execute(() -> {
                final HttpConnection h = c.pipeline().get(HttpConnection.class);
                if (h != null) {
                    h.stop();
                } else if (c.pipeline().get(Http2FrameCodec.class) != null) {
                    c.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                }
            });
        }
        if (s == null) {
            done.complete(null);
        } else {
            s.close().addListener(f -> done.complete(null));
        }
        return done;
    }
}
