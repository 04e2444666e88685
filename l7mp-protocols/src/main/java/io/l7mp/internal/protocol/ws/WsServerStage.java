package io.l7mp.internal.protocol.ws;

import io.l7mp.spi.SessionError;
import io.l7mp.spi.StageHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import org.jspecify.annotations.Nullable;

/**
 * The listener side of a WebSocket session. Holds the upgrade request until {@link #bind}: then it answers the
 * handshake and starts reading frames. Closed before that, it answers the request with the session's error status.
 */
final class WsServerStage extends WsStage {
    private final WebSocketServerHandshaker handshaker;
    private @Nullable FullHttpRequest request;

    WsServerStage(Channel channel, WsFrameCodec codec, WebSocketServerHandshaker handshaker, FullHttpRequest request) {
        super(channel, codec);
        this.handshaker = handshaker;
        this.request = request;
    }

    @Override
    public void bind(StageHandler h) {
        final FullHttpRequest req = request;
        request = null;
        if (req == null || !channel().isActive()) {
            if (req != null) {
                req.release();
            }
            super.bind(h);
            return;
        }
        final ChannelFuture f;
        try {
            f = handshaker.handshake(channel(), req);
        } catch (final RuntimeException e) {
            // Netty refuses the request (what it checks, WsListener refused before the session: a safety net):
            // answer 400 and end the session with it.
            final SessionError why = new SessionError(400, "WebSocket handshake refused: " + e.getMessage(), e);
            WsListener.refuse(channel(), WsListener.errorResponse(HttpResponseStatus.BAD_REQUEST, why.getMessage()));
            super.bind(h);
            notifyClose(why);
            return;
        } finally {
            req.release();
        }
        f.addListener(x -> {
            if (x.isSuccess()) {
                // RFC 6455 8.1: a text message that is not UTF-8 fails the connection with 1007 (sent by
                // WsFrameCodec: the validator's own close would be a bare FIN, then a second close frame).
                final ChannelHandlerContext dec = channel().pipeline().context(WebSocketFrameDecoder.class);
                if (dec != null) {
                    channel().pipeline().addAfter(dec.name(), "l7mp-ws-utf8", new Utf8FrameValidator(false));
                }
                codec.upgraded();
                super.bind(h);
            } else {
                super.bind(h);
                notifyClose(x.cause());
                channel().close();
            }
        });
    }

    @Override
    public void close(@Nullable Throwable cause) {
        final FullHttpRequest req = request;
        if (req != null) {
            request = null;
            req.release();
            if (channel().isActive()) {
                final int status = cause instanceof SessionError se ? se.status() : 503;
                final String msg = cause == null ? "session ended" : String.valueOf(cause.getMessage());
                channel().write(WsListener.errorResponse(HttpResponseStatus.valueOf(status), msg));
                // The refusal answers the request: the connection ends as after a complete answer, after what is
                // written and lingering while the client still sends (see WsListener.refuse), not at once as after
                // a failure, which reset the connection of a client still sending and lost the answer with it.
                super.close(null);
                return;
            }
        }
        super.close(cause);
    }
}
