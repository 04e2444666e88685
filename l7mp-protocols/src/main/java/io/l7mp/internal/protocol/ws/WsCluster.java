package io.l7mp.internal.protocol.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.Net;
import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.WebSocketSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The WebSocket cluster: one connection per stage to {@code ws[s]://<endpoint>:<port><path>}, where the path is the
 * session's {@code HTTP.url.path} (as l7mp does) or {@code /}. The source's HTTP headers are forwarded, except the
 * hop-by-hop ones and those of the WebSocket handshake itself. The stage is handed over once the server accepted the
 * upgrade: a refused upgrade fails with 502 naming the server's status, a connect failure with 502, a timeout with 504.
 */
final class WsCluster implements Cluster {
    /** Headers that describe one hop or one handshake, never forwarded. */
    /** Frames from servers: unmasked, no extensions, up to the message limit; violations close in WsFrameCodec. */
    private static final WebSocketDecoderConfig CLIENT_DECODER = WebSocketDecoderConfig.newBuilder()
            .expectMaskedFrames(false).allowMaskMismatch(false).allowExtensions(false)
            .maxFramePayloadLength(WebSocketProtocol.MAX_MESSAGE).closeOnProtocolViolation(false).build();
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade",
            "content-length", "sec-websocket-key", "sec-websocket-version", "sec-websocket-accept",
            "sec-websocket-extensions", "sec-websocket-protocol");

    private final ClusterContext ctx;
    private final WebSocketSpec spec;
    private final @Nullable SslContext ssl;
    private final @Nullable RuntimeException sslError;

    WsCluster(ClusterContext ctx, WebSocketSpec spec) {
        this.ctx = ctx;
        this.spec = spec;
        SslContext s = null;
        RuntimeException err = null;
        if (spec.tls() != null) {
            try {
                s = Tls.clientContext(spec.tls());
            } catch (final IllegalArgumentException e) {
                err = e;
            }
        }
        this.ssl = s;
        this.sslError = err;
    }

    @Override
    public Future<Stage> connect(ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        if (sslError != null) {
            return p.setFailure(new SessionError(500, sslError.getMessage(), sslError));
        }
        final InetSocketAddress remote;
        final URI uri;
        try {
            remote = Net.remote(r.endpoint(), spec.port());
            uri = uri(remote, targetPath(r.metadata()));
        } catch (final SessionError e) {
            return p.setFailure(e);
        }
        final WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri,
                WebSocketVersion.V13, null, false, forwardedHeaders(r.metadata()), WebSocketProtocol.MAX_MESSAGE,
                true, false, -1, false, false);
        final SslContext s = ssl;
        final WsFrameCodec codec = new WsFrameCodec(spec.textFrames());
        final Handshake hs = new Handshake(handshaker, codec, p, uri);
        final Bootstrap b = new Bootstrap().group(r.eventLoop()).channel(ctx.transport().socketChannelType())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, r.timeoutMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (s != null) {
                            ch.pipeline().addLast(Tls.HANDLER_NAME, Tls.clientHandler(s, ch, remote));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(),
                                new HttpObjectAggregator(WebSocketProtocol.MAX_HANDSHAKE), hs,
                                new WebSocketFrameAggregator(WebSocketProtocol.MAX_MESSAGE));
                        ch.pipeline().addLast(WsFrameCodec.NAME, codec);
                        hs.stage = new WsStage(ch, codec);
                    }
                });
        final ChannelFuture cf = spec.bind() == null ? b.connect(remote)
                : b.connect(remote, Net.bindAddress(spec.bind().address(), spec.bind().port()));
        // The engine bounds the attempt too; this timer makes sure the half-open connection goes with it.
        final ScheduledFuture<?> timer = r.eventLoop().schedule(() -> {
            if (p.tryFailure(new SessionError(504, "WebSocket connect to " + uri + " timed out after "
                    + r.timeoutMillis() + " ms"))) {
                cf.channel().close();
            }
        }, r.timeoutMillis(), TimeUnit.MILLISECONDS);
        p.addListener(x -> timer.cancel(false));
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                final Throwable c = f.cause();
                p.tryFailure(Net.connectFailure(remote, c, c instanceof ConnectTimeoutException ? 504 : 502));
                return;
            }
            final Channel ch = cf.channel();
            if (p.isDone()) {
                ch.close();
                return;
            }
            final SslHandler tls = ch.pipeline().get(SslHandler.class);
            if (tls != null) {
                tls.handshakeFuture().addListener(h -> {
                    if (!h.isSuccess() && p.tryFailure(new SessionError(502, "TLS handshake with " + remote
                            + " failed: " + h.cause().getMessage(), h.cause()))) {
                        ch.close();
                    }
                });
            }
            handshaker.handshake(ch).addListener(h -> {
                if (!h.isSuccess() && p.tryFailure(new SessionError(502, "cannot send the WebSocket upgrade to "
                        + uri + ": " + h.cause().getMessage(), h.cause()))) {
                    ch.close();
                }
            });
            ch.read();
        });
        return p;
    }

    /** Returns the path to ask for: the session's {@code HTTP.url.path} (with its query) or {@code /}. */
    static String targetPath(ObjectNode metadata) {
        final JsonNode p = metadata.at("/HTTP/url/path");
        if (p.isTextual() && !p.asText().isEmpty()) {
            final String s = p.asText();
            return s.startsWith("/") ? s : "/" + s;
        }
        return "/";
    }

    private URI uri(InetSocketAddress remote, String path) {
        final String host = remote.getHostString();
        final String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        final String s = (ssl != null ? "wss://" : "ws://") + h + ":" + remote.getPort() + path;
        try {
            return new URI(s);
        } catch (final URISyntaxException e) {
            throw new SessionError(400, "invalid WebSocket URL " + s + ": " + e.getMessage(), e);
        }
    }

    /** Returns the source's HTTP headers minus the hop-by-hop and handshake ones. */
    static HttpHeaders forwardedHeaders(ObjectNode metadata) {
        final HttpHeaders out = new DefaultHttpHeaders();
        final JsonNode headers = metadata.at("/HTTP/headers");
        if (!headers.isObject()) {
            return out;
        }
        for (final Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> e = it.next();
            final String name = e.getKey().toLowerCase(java.util.Locale.ROOT);
            if (NOT_FORWARDED.contains(name) || e.getValue().isNull() || e.getValue().isMissingNode()) {
                continue;
            }
            try {
                if (e.getValue().isArray()) {
                    for (final JsonNode v : e.getValue()) {
                        out.add(name, v.isTextual() ? v.asText() : v.toString());
                    }
                } else {
                    out.add(name, e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
                }
            } catch (final IllegalArgumentException bad) {
                // A name or value HTTP cannot carry (e.g. a newline put there by a rewrite rule): leave it out.
            }
        }
        return out;
    }

    /** Waits for the upgrade response, reading by hand since the stage keeps auto-read off. */
    private static final class Handshake extends ChannelInboundHandlerAdapter {
        private final WebSocketClientHandshaker handshaker;
        private final WsFrameCodec codec;
        private final Promise<Stage> promise;
        private final URI uri;
        @Nullable WsStage stage;

        Handshake(WebSocketClientHandshaker handshaker, WsFrameCodec codec, Promise<Stage> promise, URI uri) {
            this.handshaker = handshaker;
            this.codec = codec;
            this.promise = promise;
            this.uri = uri;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpResponse resp)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                handshaker.finishHandshake(ctx.channel(), resp);
            } catch (final WebSocketHandshakeException e) {
                // A 101 that fails the checks (a wrong Sec-WebSocket-Accept, no Upgrade header) is named by its
                // fault: "refused: 101 Switching Protocols" told an operator nothing.
                final String why = resp.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()
                        ? "101 Switching Protocols, but " + e.getMessage() : String.valueOf(resp.status());
                if (promise.tryFailure(new SessionError(502, "WebSocket upgrade to " + uri + " refused: " + why,
                        e))) {
                    ctx.close();
                }
                return;
            } finally {
                resp.release();
            }
            ctx.pipeline().remove(this);
            final ChannelHandlerContext dec = ctx.pipeline().context(WebSocketFrameDecoder.class);
            if (dec != null) {
                // The handshaker's decoder answers a bad frame with a close frame of its own, and the session's
                // end would send a second one: WsFrameCodec sends the only one, with the violation's code. Nothing
                // was read past the handshake yet, so the decoder goes with an empty buffer.
                ctx.pipeline().replace(dec.name(), dec.name(), new WebSocket13FrameDecoder(CLIENT_DECODER));
                // RFC 6455 8.1: a text message that is not UTF-8 fails the connection with 1007, from servers too.
                ctx.pipeline().addAfter(dec.name(), "l7mp-ws-utf8", new Utf8FrameValidator(false));
            }
            codec.upgraded();
            if (!promise.trySuccess(stage)) {
                ctx.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!promise.isDone()) {
                ctx.read();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new SessionError(502, "WebSocket server " + uri + " closed the connection during the "
                    + "handshake"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (promise.tryFailure(new SessionError(502, "WebSocket handshake with " + uri + " failed: "
                    + cause.getMessage(), cause))) {
                ctx.close();
            }
        }
    }
}
