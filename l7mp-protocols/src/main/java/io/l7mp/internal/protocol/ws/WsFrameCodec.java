package io.l7mp.internal.protocol.ws;

import io.l7mp.spi.LingeringClose;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Turns whole WebSocket messages into {@link ByteBuf}s for the stage behind it and {@link ByteBuf}s written by the
 * stage into binary (or text, when they are UTF-8) frames. Answers pings; a close frame from the peer is answered
 * and ends the connection (a code other than 1000, 1001 or none is reported as an error). When the connection is
 * closed from this side it first sends a close frame: 1000, 1001 when the proxy or the listener or cluster of the
 * session goes away ({@link #goingAway}), or 1011 when {@link #closing} gave a cause (or the code of a WebSocket peer
 * that closed the other side of the session). A frame that breaks the protocol closes with the protocol's code instead
 * (1002, 1007, 1009; 1002 for a close frame with a code RFC 6455 does not allow): the decoders in front are set not to
 * send a close frame of their own, so that the peer gets exactly one. Inactive until {@link #upgraded()}, so that it
 * lets the HTTP handshake through untouched.
 */
final class WsFrameCodec extends ChannelDuplexHandler {
    static final String NAME = "l7mp-ws-codec";
    /** How long a close waits for the close frame to be written before closing the connection anyway. */
    private static final long CLOSE_FRAME_TIMEOUT_MILLIS = 1000;
    /** How long a connection waits at most, after our close frame, for the peer to stop sending (see below). */
    private static final long CLOSE_LINGER_MILLIS = 10_000;
    /** Close reasons must fit a control frame (125 bytes with the code). */
    private static final int MAX_REASON_BYTES = 120;
    /** The first close code past those RFC 6455 7.4.2 defines (0-4999). */
    private static final int MAX_CLOSE_CODE = 5000;

    private final boolean text;
    private boolean upgraded;
    private @Nullable Throwable closeCause;
    /** The close code a protocol violation calls for (0: none); it wins over {@link #closeCause}. */
    private int violationCode;
    private String violationReason = "";
    private @Nullable ChannelFuture closeSent;
    private boolean goingAway;
    /** The pong being written, while it is not out yet. */
    private @Nullable ChannelFuture pongInFlight;
    /** The payload of the latest ping that came while a pong was being written: answered after it. */
    private @Nullable ByteBuf pendingPing;

    WsFrameCodec(boolean text) {
        this.text = text;
    }

    /** Starts framing: the handshake is done. */
    void upgraded() {
        upgraded = true;
    }

    /** The session ends because this side goes away (RFC 6455 1001: a server going down), not because it is done. */
    void goingAway() {
        goingAway = true;
    }

    /** Records why the session ends, just before the stage closes the channel: decides the close code. */
    void closing(@Nullable Throwable cause) {
        closeCause = cause;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!upgraded || !(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
            // The aggregator in front made it a whole message; its content moves on, the holder is not kept.
            ctx.fireChannelRead(frame.content());
        } else if (frame instanceof PingWebSocketFrame) {
            ping(ctx, frame.content());
        } else if (frame instanceof CloseWebSocketFrame close) {
            peerClosed(ctx, close);
        } else {
            frame.release();
        }
    }

    /**
     * Answers a ping with a pong carrying its data. A peer that pings without reading must not make the proxy queue
     * pongs without bound (a flood of pings held 260 MB of pongs per 2 M pings): while one pong is not out yet,
     * only the latest ping is kept, and answered once it is, as RFC 6455 5.5.3 allows.
     */
    private void ping(ChannelHandlerContext ctx, ByteBuf data) {
        if (closeSent != null) {
            // RFC 6455 5.5.1: nothing after our close frame.
            data.release();
            return;
        }
        final ChannelFuture inFlight = pongInFlight;
        if (inFlight != null && !inFlight.isDone()) {
            final ByteBuf older = pendingPing;
            pendingPing = data;
            if (older != null) {
                older.release();
            }
            return;
        }
        final ChannelFuture sent = ctx.writeAndFlush(new PongWebSocketFrame(data));
        pongInFlight = sent;
        sent.addListener(f -> {
            final ByteBuf next = pendingPing;
            pendingPing = null;
            if (next == null) {
                return;
            }
            if (f.isSuccess() && ctx.channel().isActive()) {
                ping(ctx, next);
            } else {
                next.release();
            }
        });
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        final ByteBuf p = pendingPing;
        pendingPing = null;
        if (p != null) {
            p.release();
        }
    }

    private void peerClosed(ChannelHandlerContext ctx, CloseWebSocketFrame close) {
        final int code = close.statusCode();
        final String reason = close.reasonText();
        close.release();
        if (code >= MAX_CLOSE_CODE && closeSent == null && violationCode == 0) {
            // RFC 6455 7.4 defines no code from 5000 up. Netty's decoder refuses 0-2999 but for 1000-1003 and
            // 1007-1014, and lets these through (it reads the code as a signed short: from 32768 it is negative,
            // which it takes for "no code"). The connection fails with 1002 as for the codes the decoder refuses
            // (Autobahn 7.9.x), instead of echoing the code.
            violationCode = 1002;
            violationReason = "invalid close code " + code;
            ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
                    violationReason));
            return;
        }
        if (closeSent == null) {
            // Echo the code, as RFC 6455 asks; no code is answered with an empty close frame.
            closeSent = ctx.writeAndFlush(code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, reason));
        }
        if (code < 0 || code == 1000 || code == 1001) {
            ctx.close();
        } else {
            ctx.fireExceptionCaught(new WebSocketClosedException(code, reason));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (upgraded && violationCode == 0) {
            if (cause instanceof CorruptedWebSocketFrameException c) {
                violationCode = c.closeStatus().code();
                violationReason = reason(c);
            } else if (cause instanceof TooLongFrameException) {
                // The aggregator's verdict on a fragmented message over the limit.
                violationCode = 1009;
                violationReason = reason(cause);
            }
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (upgraded && msg instanceof ByteBuf buf) {
            // A text frame must carry UTF-8 (RFC 6455 8.1) or the peer fails the connection with 1007: a message
            // that is not text goes out as binary, whole, rather than break the protocol.
            final boolean asText = text && ByteBufUtil.isText(buf, StandardCharsets.UTF_8);
            ctx.write(asText ? new TextWebSocketFrame(buf) : new BinaryWebSocketFrame(buf), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!upgraded || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        ChannelFuture sent = closeSent;
        // Our own close frame, not the answer to the peer's: the peer may still be sending.
        final boolean ours = sent == null;
        if (sent == null) {
            final Throwable c = closeCause;
            // A close code from the other side of the session travels on; any other failure is 1011.
            final CloseWebSocketFrame frame;
            if (violationCode != 0) {
                frame = new CloseWebSocketFrame(violationCode, violationReason);
            } else if (c == null) {
                frame = new CloseWebSocketFrame(goingAway ? 1001 : 1000, "");
            } else if (c instanceof WebSocketClosedException w) {
                frame = new CloseWebSocketFrame(w.code(), w.reason());
            } else {
                frame = new CloseWebSocketFrame(1011, reason(c));
            }
            sent = ctx.writeAndFlush(frame);
            closeSent = sent;
        }
        if (sent.isDone()) {
            closeAfterFrame(ctx, promise, ours);
            return;
        }
        // A peer that does not read must not keep the connection open: close after a bounded wait.
        final var timer = ctx.executor().schedule(() -> ctx.close(promise), CLOSE_FRAME_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS);
        sent.addListener(f -> {
            if (timer.cancel(false)) {
                closeAfterFrame(ctx, promise, ours);
            }
        });
    }

    /**
     * Closes once the close frame is out. After our own, the peer may still be sending (the rest of a message over
     * the limit, frames already on their way): closing with its bytes unread would reset the connection, and the
     * peer's side would throw our close frame away with it, and its code (a client sending 17 MiB saw a reset, not
     * 1009). So the connection lingers ({@link LingeringClose}): our end of stream follows the frame, what the peer
     * still sends is dropped, and it closes when the peer closes (RFC 6455 7.1.1 has the server wait for the client)
     * or after {@link #CLOSE_LINGER_MILLIS}. Lingering already (a normal end), or after the peer's close frame, it
     * closes as asked.
     */
    private static void closeAfterFrame(ChannelHandlerContext ctx, ChannelPromise promise, boolean ours) {
        if (ours && LingeringClose.close(ctx.channel(), CLOSE_LINGER_MILLIS)) {
            ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
        } else {
            ctx.close(promise);
        }
    }

    private static String reason(Throwable c) {
        // The peer learns what went wrong ("Connection reset by peer"), not which syscall of ours saw it.
        String m = io.l7mp.internal.protocol.Net.reason(c);
        final byte[] b = m.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_REASON_BYTES) {
            // Cut on a character boundary so that the reason stays valid UTF-8.
            int n = Math.min(m.length(), MAX_REASON_BYTES);
            while (n > 0 && m.substring(0, n).getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
                n--;
            }
            m = m.substring(0, n);
        }
        return m;
    }
}
