package io.l7mp.internal.protocol.ws;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.Net;
import io.l7mp.internal.protocol.PeerErrorLog;
import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.WebSocketSpec;
import io.l7mp.spi.Listener;
import io.l7mp.spi.LingeringClose;
import io.l7mp.spi.ListenerContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket listener. A connection's upgrade request starts a session at once (its metadata is the request);
 * the handshake is answered only when the engine binds the stage, after routing and connecting, so that a session
 * that cannot be routed or connected is refused with an HTTP status instead of an accepted-then-closed WebSocket.
 */
final class WsListener implements Listener {
    private static final Logger logger = LoggerFactory.getLogger(WsListener.class);
    /** How long a connection may take to send its upgrade request. */
    private static final long REQUEST_TIMEOUT_MILLIS = 10_000;
    /** How long a refused connection waits at most for the client to stop sending (see {@link #refuse}). */
    static final long REFUSAL_LINGER_MILLIS = REQUEST_TIMEOUT_MILLIS;

    private final ListenerContext ctx;
    private final WebSocketSpec spec;
    private final AtomicInteger sequence = new AtomicInteger();
    private final PeerErrorLog peerErrors = new PeerErrorLog(logger);
    private final WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(WebSocketProtocol.MAX_MESSAGE).expectMaskedFrames(true).allowExtensions(false)
            .closeOnProtocolViolation(false)   // WsFrameCodec sends the one close frame, with the violation's code
            .build();
    private volatile @Nullable Channel server;
    private volatile @Nullable SslContext ssl;

    WsListener(ListenerContext ctx, WebSocketSpec spec) {
        this.ctx = ctx;
        this.spec = spec;
    }

    @Override
    public CompletableFuture<Void> start() {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (spec.tls() != null) {
            try {
                ssl = Tls.serverContext(spec.tls());
            } catch (final IllegalArgumentException e) {
                done.completeExceptionally(e);
                return done;
            }
        }
        final ServerBootstrap b = new ServerBootstrap().group(ctx.transport().group())
                .channel(ctx.transport().serverSocketChannelType())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        init(ch);
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

    private void init(SocketChannel ch) {
        final SslContext s = ssl;
        if (s != null) {
            ch.pipeline().addLast(Tls.HANDLER_NAME, Tls.serverHandler(s, ch));
        }
        final Upgrade upgrade = new Upgrade(s != null);
        ch.pipeline().addLast(new HttpServerCodec(), new HandshakeAggregator(upgrade), upgrade);
        upgrade.timer = ch.eventLoop().schedule(() -> {
            if (!upgrade.seen && ch.isActive()) {
                logger.debug("listener {}: no upgrade request from {} in time", ctx.name(), ch.remoteAddress());
                ch.close();
            }
        }, REQUEST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Takes the upgrade request, checks it and starts the session; then leaves the pipeline. */
    private final class Upgrade extends ChannelInboundHandlerAdapter {
        private final boolean secure;
        boolean seen;
        /**
         * Bounds the wait for the upgrade request; cancelled when it arrives, since the pending task holds the
         * channel, and through it the session, for {@link #REQUEST_TIMEOUT_MILLIS} (past the session's end for a
         * short one: thousands of ended sessions kept reachable at a high connection rate).
         */
        @Nullable ScheduledFuture<?> timer;

        Upgrade(boolean secure) {
            this.secure = secure;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (seen || !(msg instanceof FullHttpRequest req)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            final Channel ch = c.channel();
            taken(c);
            try {
                accept(ch, req);
            } catch (final RuntimeException e) {
                // This handler has left the pipeline: handle it here rather than let it reach the pipeline's tail.
                if (req.refCnt() > 0) {
                    req.release();
                }
                peerErrors.log(ctx.name(), "WebSocket upgrade", ch.remoteAddress(), e.toString());
                ch.close();
            }
        }

        /** The request is in (or refused): the timer stops, and this handler leaves the pipeline. */
        private void taken(ChannelHandlerContext c) {
            seen = true;
            final ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            // Nothing more is read until the session is bound: the next bytes are WebSocket frames.
            c.channel().config().setAutoRead(false);
            c.pipeline().remove(this);
        }

        /** Refuses a request over {@link WebSocketProtocol#MAX_HANDSHAKE} bytes, which the aggregator dropped. */
        void tooLarge(ChannelHandlerContext c) {
            if (seen) {
                return;
            }
            final Channel ch = c.channel();
            taken(c.pipeline().context(this));
            peerErrors.log(ctx.name(), "WebSocket upgrade", ch.remoteAddress(), "request over the size limit");
            refuse(ch, errorResponse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "upgrade request over " + WebSocketProtocol.MAX_HANDSHAKE + " bytes"));
        }

        private void accept(Channel ch, FullHttpRequest req) {
            if (!req.decoderResult().isSuccess()) {
                reject(ch, req, HttpResponseStatus.BAD_REQUEST, "malformed request");
                return;
            }
            if (!req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
                req.release();
                refuse(ch, upgradeRequired("expected a WebSocket upgrade"));
                return;
            }
            if (!HttpMethod.GET.equals(req.method())) {
                reject(ch, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "a WebSocket upgrade must be a GET");
                return;
            }
            if (spec.path() != null && !spec.path().equals(HttpMetadata.pathOnly(req.uri()))) {
                reject(ch, req, HttpResponseStatus.NOT_FOUND, "no WebSocket at " + HttpMetadata.pathOnly(req.uri()));
                return;
            }
            if (!req.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION)) {
                // Netty takes a request without a version for a Hixie-75/76 draft handshake and answers 101: the
                // unmasked pre-RFC 6455 protocol, which the docs and the codec's rules (masking, close codes) do not
                // cover. RFC 6455 4.2.1 requires the header; 4.4 answers a version not spoken with the one that is.
                req.release();
                refuse(ch, upgradeRequired("missing Sec-WebSocket-Version (expected: 13)"));
                return;
            }
            final String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
            final WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    (secure ? "wss://" : "ws://") + host + req.uri(), null, decoderConfig).newHandshaker(req);
            if (handshaker == null) {
                final String version = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
                req.release();
                refuse(ch, upgradeRequired("unsupported WebSocket version " + version));
                return;
            }
            final @Nullable String malformed = malformed(req);
            if (malformed != null) {
                // Refused here, before a session is routed and connected for it: Netty's handshaker checks only some
                // of this (the key's presence, Connection), at binding after routing, and answered 101 to the rest.
                reject(ch, req, HttpResponseStatus.BAD_REQUEST, malformed);
                return;
            }
            if (unsupportedExpectation(req)) {
                // RFC 9110 10.1.1; HandshakeAggregator lets such a request through for this answer (see there).
                reject(ch, req, HttpResponseStatus.EXPECTATION_FAILED,
                        "Expect: \"" + req.headers().get(HttpHeaderNames.EXPECT) + "\" (expected: 100-continue)");
                return;
            }
            final SocketAddress remote = ch.remoteAddress();
            final SocketAddress local = ch.localAddress();
            final ObjectNode md = HttpMetadata.of(req, remote, local);
            final WsFrameCodec codec = new WsFrameCodec(spec.textFrames());
            ch.pipeline().addLast(new WebSocketFrameAggregator(WebSocketProtocol.MAX_MESSAGE));
            ch.pipeline().addLast(WsFrameCodec.NAME, codec);
            final WsServerStage stage = new WsServerStage(ch, codec, handshaker, req);
            logger.debug("listener {}: upgrade request {} from {}", ctx.name(), req.uri(), remote);
            ctx.newSession("WS:" + Net.tuple(remote, local) + "-" + sequence.getAndIncrement(), md, stage);
        }

        /**
         * Returns why {@code req} is not an opening handshake that RFC 6455 4.2.1 lets a server accept, or null when
         * it is: HTTP/1.1 (or a later 1.x), one Host, "upgrade" in Connection, one Sec-WebSocket-Key that is a
         * base64-encoded 16-byte value (the Upgrade header, the method and the version are checked before).
         */
        private static @Nullable String malformed(FullHttpRequest req) {
            final HttpVersion v = req.protocolVersion();
            if (v.majorVersion() != 1 || v.minorVersion() < 1) {
                return "a WebSocket upgrade must be HTTP/1.1 (was " + v.text() + ")";
            }
            final List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
            if (hosts.size() != 1 || hosts.get(0).isBlank()) {
                // RFC 9112 3.2 asks 400 of any HTTP/1.1 request without exactly one Host, too.
                return hosts.isEmpty() ? "missing Host"
                        : "Host: " + quote(String.join(", ", hosts)) + " (expected: one host)";
            }
            if (!req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
                return "Connection: " + quote(String.join(", ", req.headers().getAll(HttpHeaderNames.CONNECTION)))
                        + " (expected: upgrade)";
            }
            final List<String> keys = req.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY);
            if (keys.isEmpty()) {
                return "missing Sec-WebSocket-Key";
            }
            if (keys.size() != 1 || !isNonce(keys.get(0))) {
                return "Sec-WebSocket-Key: " + quote(String.join(", ", keys))
                        + " (expected: one base64-encoded 16-byte value)";
            }
            return null;
        }

        /** Whether {@code key} is 16 bytes in base64 with its padding: 22 characters of the alphabet, then "==". */
        private static boolean isNonce(String key) {
            if (key.length() != 24 || !key.endsWith("==")) {
                return false;
            }
            try {
                return Base64.getDecoder().decode(key).length == 16;
            } catch (final IllegalArgumentException e) {
                return false;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            peerErrors.log(ctx.name(), "bad WebSocket upgrade request", c.channel().remoteAddress(), cause.toString());
            c.close();
        }
    }

    /**
     * The aggregator that takes the upgrade request whole; one over {@link WebSocketProtocol#MAX_HANDSHAKE} is refused
     * like any other (l7mp's error body, a lingering close) instead of Netty's bare 413 and immediate close, or its
     * keep-alive 413 that left the connection waiting for the upgrade timeout.
     */
    private static final class HandshakeAggregator extends HttpObjectAggregator {
        private final Upgrade upgrade;

        HandshakeAggregator(Upgrade upgrade) {
            super(WebSocketProtocol.MAX_HANDSHAKE);
            this.upgrade = upgrade;
        }

        /**
         * Netty answers an expectation it cannot meet itself, with a bare 413 (100-continue for a body over the
         * limit) or 417 (any other expectation), and then keeps the connection waiting for the upgrade timeout. These
         * are refused like any other request instead: over the limit by {@link #handleOversizedMessage}, which the
         * declared length leads to; another expectation by {@link Upgrade}, which gets the request for it.
         */
        @Override
        protected @Nullable Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline p) {
            if (unsupportedExpectation(start) || HttpUtil.is100ContinueExpected(start)
                    && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
                return null;
            }
            return super.newContinueResponse(start, maxContentLength, p);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext c, HttpMessage oversized) throws Exception {
            if (oversized instanceof HttpRequest) {
                upgrade.tooLarge(c);
            } else {
                super.handleOversizedMessage(c, oversized);
            }
        }
    }

    /** Whether {@code m} expects what this listener cannot meet: anything but 100-continue (HTTP/1.0 has no Expect). */
    private static boolean unsupportedExpectation(HttpMessage m) {
        final String expect = m.headers().get(HttpHeaderNames.EXPECT);
        return expect != null && m.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0
                && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect);
    }

    private static void reject(Channel ch, FullHttpRequest req, HttpResponseStatus status, String message) {
        req.release();
        refuse(ch, errorResponse(status, message));
    }

    /**
     * Answers an upgrade request with an error and ends the connection. The client may still be sending (a body,
     * pipelined bytes, frames sent ahead of the answer): closing with its bytes unread would reset the connection,
     * and the client's side could throw the answer away with it. So the connection lingers ({@link LingeringClose}):
     * our output ends after the answer, what the client still sends is dropped, and it closes when the client
     * closes, or after {@link #REFUSAL_LINGER_MILLIS}. Call on the channel's event loop.
     */
    static void refuse(Channel ch, FullHttpResponse answer) {
        final ChannelFuture written = ch.writeAndFlush(answer);
        if (!LingeringClose.close(ch, REFUSAL_LINGER_MILLIS)) {
            // The client finished sending already, or is gone: nothing to wait for.
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * A 426 that names what to upgrade to (RFC 9110 15.5.22: Upgrade, with "upgrade" in Connection) and the version
     * spoken (RFC 6455 4.4: Sec-WebSocket-Version).
     */
    private static FullHttpResponse upgradeRequired(String content) {
        final FullHttpResponse r = errorResponse(HttpResponseStatus.UPGRADE_REQUIRED, content);
        r.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                .set(HttpHeaderNames.CONNECTION, "upgrade, close")
                .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        return r;
    }

    /** Returns an error answer with l7mp's JSON body {@code {status, message, content}}; the connection closes. */
    static FullHttpResponse errorResponse(HttpResponseStatus status, String content) {
        final String body = "{\"status\":" + status.code() + ",\"message\":" + quote(status.reasonPhrase())
                + ",\"content\":" + quote(content) + "}";
        final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    private static String quote(String s) {
        final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public @Nullable SocketAddress localAddress() {
        final Channel s = server;
        return s == null ? null : s.localAddress();
    }

    @Override
    public CompletableFuture<Void> close() {
        final Channel s = server;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (s == null) {
            done.complete(null);
        } else {
            s.close().addListener(f -> done.complete(null));
        }
        return done;
    }
}
