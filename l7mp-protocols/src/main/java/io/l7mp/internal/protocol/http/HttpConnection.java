package io.l7mp.internal.protocol.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.Net;
import io.l7mp.spi.HalfClosed;
import io.l7mp.spi.LingeringClose;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the requests of one HTTP/1.x connection (or of one HTTP/2 stream) into sessions, one at a time: requests
 * pipelined behind the current one wait in a bounded queue until its response is complete. Confined to the channel's
 * event loop.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger logger = LoggerFactory.getLogger(HttpConnection.class);
    /** Pipelined HTTP objects kept while a response is under way; reading pauses beyond this. */
    static final int MAX_QUEUED = 64;
    /** Request body bytes read and dropped after a session ended early, before the connection is closed instead. */
    static final long MAX_DISCARD = 1 << 20;

    private final HttpListenerImpl listener;
    private final boolean h2;
    private @Nullable ChannelHandlerContext ctx;
    /** Bounds the time a request head takes (HTTP/1 only). */
    private @Nullable HeadTimer head;
    private @Nullable HttpExchange active;
    private @Nullable ChannelFuture lastWrite;
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    /** Bounds how long the rest of a request body answered early may take to arrive. */
    private @Nullable ScheduledFuture<?> discardTimer;
    private boolean closing;
    private boolean stopping;
    private boolean draining;
    /** The client half-closed: it sends nothing more, so the connection closes once what it asked is answered. */
    private boolean inputShut;

    HttpConnection(HttpListenerImpl listener, boolean h2) {
        this.listener = listener;
        this.h2 = h2;
    }

    /** Returns the TCP connection: the channel itself, or the parent of an HTTP/2 stream. */
    private Channel connection() {
        final Channel ch = ctx.channel();
        return h2 && ch.parent() != null ? ch.parent() : ch;
    }

    @Nullable SocketAddress remoteAddress() {
        return ctx == null ? null : connection().remoteAddress();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        this.ctx = c;
        final HeadTimer t = c.pipeline().get(HeadTimer.class);
        if (t != null && !h2) {
            head = t;
            t.onTimeout(this::headTimedOut);
        }
    }

    /** A request head was not complete within the listener's head timeout. */
    private void headTimedOut() {
        if (closing) {
            return;
        }
        if (active == null && queued.isEmpty()) {
            final String why = "request head not complete within " + (head == null ? 0 : head.timeoutMillis()) + " ms";
            listener.peerErrors.log(listener.name(), "slow request head", remoteAddress(), why);
            closeAfter(ctx.writeAndFlush(errorResponse(HttpResponseStatus.REQUEST_TIMEOUT, why)));
        } else {
            // A pipelined head trickles in behind a response still being written: no room for an answer of ours.
            abort();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (!(msg instanceof HttpObject o) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        final HeadTimer t = head;
        if (t != null) {
            if (o instanceof HttpRequest) {
                t.headDone();
            }
            if (o instanceof LastHttpContent) {
                t.nextHead();
            }
        }
        final HttpExchange ex = active;
        if ((ex != null && ex.requestDone) || !queued.isEmpty()) {
            if (queued.size() >= MAX_QUEUED * 4) {
                logger.debug("listener {}: {} floods pipelined requests, closing", listener.name(), remoteAddress());
                ReferenceCountUtil.release(msg);
                abort();
                return;
            }
            queued.add(o);
            updateAutoRead();
            return;
        }
        dispatch(o);
    }

    private void dispatch(HttpObject o) {
        HttpExchange ex = active;
        if (ex == null) {
            if (!(o instanceof HttpRequest req)) {
                ReferenceCountUtil.release(o);   // the tail of a body whose request failed to decode
                return;
            }
            if (req.decoderResult().isFailure()) {
                ReferenceCountUtil.release(o);
                badRequest(String.valueOf(req.decoderResult().cause().getMessage()));
                return;
            }
            if (!h2 && req.protocolVersion().majorVersion() != 1) {
                // The decoder takes any HTTP/x.y; this listener speaks 1.x here (2.0 only by upgrade or preface).
                ReferenceCountUtil.release(o);
                refuse(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                        "HTTP version " + req.protocolVersion().text() + " is not supported");
                return;
            }
            ex = start(req);
            if (!(o instanceof HttpContent)) {
                updateAutoRead();
                return;
            }
        }
        if (o instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                final String why = String.valueOf(content.decoderResult().cause().getMessage());
                content.release();
                listener.peerErrors.log(listener.name(), "bad request body", remoteAddress(), why);
                ex.requestFailed(why);
                return;
            }
            ex.onContent(content);
        } else {
            ReferenceCountUtil.release(o);
        }
        if (ex.discarded > MAX_DISCARD) {
            // Only a session that ended (its answer is out) discards: the client may still be sending, so the
            // connection ends without resetting it, which could take that answer with it.
            closeAfter(lastWrite);
            return;
        }
        maybeFinish();
        updateAutoRead();
    }

    private HttpExchange start(HttpRequest req) {
        final Channel conn = connection();
        final SocketAddress remote = conn.remoteAddress();
        final SocketAddress local = conn.localAddress();
        final String version = h2 ? "2.0"
                : req.protocolVersion().majorVersion() + "." + req.protocolVersion().minorVersion();
        final String name = "HTTP:" + Net.tuple(remote, local) + "-" + listener.nextId();
        final HttpExchange ex = new HttpExchange(this, ctx.channel(), name, req, h2);
        if (stopping) {
            ex.keepAlive = false;
        }
        active = ex;
        logger.debug("listener {}: {} {} {}", listener.name(), name, req.method(), req.uri());
        listener.context().newSession(name, HttpMetadata.of(req, version, remote, local), ex);
        return ex;
    }

    /** Called by the exchange once its response is complete; {@code last} is the write that completed it. */
    void responseDone(HttpExchange ex, @Nullable ChannelFuture last) {
        if (ex != active) {
            return;
        }
        lastWrite = last;
        maybeFinish();
        updateAutoRead();
    }

    private void maybeFinish() {
        final HttpExchange ex = active;
        if (ex == null || !ex.responseDone) {
            return;
        }
        final ChannelFuture last = lastWrite;
        if (!ex.requestDone) {
            if (!ex.keepAlive || h2 || ex.gone) {
                closeAfter(last);
            } else if (discardTimer == null) {
                // The rest of the body is read and dropped so that the connection can carry the next request, for as
                // long as a request head may take: a client that stalls in its body would hold the connection.
                discardTimer = ctx.executor().schedule(() -> {
                    discardTimer = null;
                    if (active == ex && !closing) {
                        logger.debug("listener {}: {} did not finish its request body, closing", listener.name(),
                                remoteAddress());
                        closeAfter(lastWrite);
                    }
                }, listener.lingerMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        cancelDiscardTimer();
        active = null;
        lastWrite = null;
        if (h2) {
            return;
        }
        if (!ex.keepAlive || ex.gone || stopping || (inputShut && queued.isEmpty())) {
            closeAfter(last);
            return;
        }
        drain();
    }

    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            HttpObject o;
            // The next request's head and then its body (a request's parts are queued together): stop once its
            // request is complete, as what follows belongs to the request after it.
            while ((active == null || !active.requestDone) && !closing && (o = queued.poll()) != null) {
                dispatch(o);
            }
            final HttpExchange ex = active;
            if (inputShut && ex != null && queued.isEmpty()) {
                ex.lastRequest();
            }
        } finally {
            draining = false;
        }
    }

    /**
     * Ends the connection after {@code last}, the answer written last, or at once when there is none. An HTTP/1
     * client may still be sending then (the body of a request answered early, a request refused before its end,
     * pipelined requests): closing a socket with unread input resets the connection, and the client's side can throw
     * the answer away with it. So the connection lingers: our output ends after the answer, what the client still
     * sends is dropped, and it closes when the client closes, or after the head timeout.
     */
    private void closeAfter(@Nullable ChannelFuture last) {
        closing = true;
        cancelDiscardTimer();
        releaseQueued();
        if (last == null) {
            ctx.channel().close();
        } else if (h2 || !LingeringClose.close(ctx.channel(), listener.lingerMillis())) {
            // An HTTP/2 stream, or a client that finished sending: nothing to wait for.
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void cancelDiscardTimer() {
        final ScheduledFuture<?> t = discardTimer;
        discardTimer = null;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** Drops the connection (or resets the HTTP/2 stream): a response cut short, a broken request. */
    void abort() {
        closing = true;
        cancelDiscardTimer();
        releaseQueued();
        ctx.channel().flush();
        ctx.channel().close();
    }

    private void badRequest(String why) {
        refuse(HttpResponseStatus.BAD_REQUEST, why);
    }

    /** Answers l7mp's error body with this status and closes the connection. */
    private void refuse(HttpResponseStatus status, String why) {
        listener.peerErrors.log(listener.name(), "bad request", remoteAddress(), why);
        closeAfter(ctx.writeAndFlush(errorResponse(status, why)));
    }

    /** Returns l7mp's error body with this status, saying that the connection closes. */
    private FullHttpResponse errorResponse(HttpResponseStatus status, String why) {
        final ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("status", status.code()).put("message", status.reasonPhrase()).put("content", why);
        final FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                ByteBufUtil.writeUtf8(ctx.alloc(), body.toString()));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /** Sets reading from what the current exchange can take (the engine's backpressure) and the queue's room. */
    void updateAutoRead() {
        if (ctx == null) {
            return;
        }
        final HttpExchange ex = active;
        if (closing) {
            // The channel closes, or lingers and reads on to drop what the client still sends (LingeringClose).
            return;
        }
        final boolean read;
        if (ex == null) {
            read = queued.isEmpty();
        } else if (!ex.requestDone) {
            read = ex.closed || ex.gone || (ex.isBound() && ex.engineAutoRead);
        } else {
            // Keep reading so that a client that goes away is noticed; pipelined requests wait in the queue.
            read = queued.size() < MAX_QUEUED;
        }
        ctx.channel().config().setAutoRead(read);
    }

    /** The listener stopped: finish the current exchange, take no further request. */
    void stop() {
        stopping = true;
        if (active == null) {
            closeAfter(null);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        final HttpExchange ex = active;
        if (ex != null) {
            ex.readComplete();
        }
        c.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        final HttpExchange ex = active;
        if (ex != null) {
            ex.writabilityChanged(c.channel().isWritable());
        }
        c.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        closing = true;
        cancelDiscardTimer();
        releaseQueued();
        final HttpExchange ex = active;
        active = null;
        if (ex != null) {
            ex.connectionGone(null);
        }
        c.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        logger.debug("listener {}: connection from {} failed: {}", listener.name(), remoteAddress(), cause.toString());
        final HttpExchange ex = active;
        active = null;
        closing = true;
        releaseQueued();
        if (ex != null) {
            ex.connectionGone(cause);
        }
        c.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
            // HTTP/2 streams get their own handlers; this connection-level HTTP/1 handling is done.
            removeIfPresent(c, HttpServerExpectContinueHandler.class);
            removeIfPresent(c, IdleStateHandler.class);
            // HTTP/2 has no use for a half-closed connection: close it as a connection without half-closure would.
            c.pipeline().replace(this, "l7mp-h2-input-shutdown", new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext c2, Object e) {
                    if (e instanceof ChannelInputShutdownEvent) {
                        c2.close();
                        return;
                    }
                    c2.fireUserEventTriggered(e);
                }
            });
        } else if (evt instanceof ChannelInputShutdownEvent
                || evt instanceof SslCloseCompletionEvent e && e.isSuccess()) {
            // "printf 'GET ...' | socat - tcp:..." sends its request and shuts its side down: it still waits for
            // the answer, as HTTP servers give it. The decoder has handed over everything it read by now. Over TLS
            // the end of the client's side is its close_notify, which may come without a FIN.
            if (inputShut) {
                return;
            }
            inputShut = true;
            HalfClosed.keepWriting(ctx.channel());
            final HttpExchange ex = active;
            if (ex != null && !ex.requestDone) {
                // It went away in the middle of its request (the decoder drops a body cut short): end the session.
                abort();
                return;
            }
            if (ex != null) {
                if (queued.isEmpty()) {
                    ex.lastRequest();
                }
            } else if (queued.isEmpty()) {
                closeAfter(lastWrite);
            }
            return;
        } else if (evt instanceof IdleStateEvent && active == null && queued.isEmpty()) {
            logger.debug("listener {}: closing idle connection from {}", listener.name(), remoteAddress());
            closeAfter(null);
            return;
        }
        c.fireUserEventTriggered(evt);
    }

    private static void removeIfPresent(ChannelHandlerContext c, Class<? extends io.netty.channel.ChannelHandler> t) {
        if (c.pipeline().get(t) != null) {
            c.pipeline().remove(t);
        }
    }

    private void releaseQueued() {
        HttpObject o;
        while ((o = queued.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }
}
