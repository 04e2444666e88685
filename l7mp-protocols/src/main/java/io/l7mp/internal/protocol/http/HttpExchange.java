package io.l7mp.internal.protocol.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spi.RequestEnd;
import io.l7mp.spi.ResponseHead;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response: the listener-side stage of an HTTP session. What the stage reads is the request
 * body; what is written to it is the response body, sent chunked (HTTP/1.1) after a {@code 200} head unless a
 * cluster set another through {@link ResponseHead}. Closing it normally ends the response; closing it with an error
 * before the response started answers the error's status with l7mp's {@code {status, message, content}} body.
 * Confined to the channel's event loop.
 */
final class HttpExchange implements Stage, ResponseHead, RequestEnd {
    private static final Logger logger = LoggerFactory.getLogger(HttpExchange.class);

    private final HttpConnection conn;
    private final Channel channel;
    private final String name;
    private final HttpVersion version;
    private final boolean h2;
    private final boolean head;
    private boolean clientKeepAlive;
    private @Nullable StageHandler handler;
    private @Nullable ArrayDeque<ByteBuf> pending;
    private @Nullable List<Runnable> endCallbacks;
    private int status = HttpResponseStatus.OK.code();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean notified;
    /** Why the request failed to decode, told to the session when it binds later. */
    private @Nullable SessionError failure;
    /** Told when the client goes away before the session binds (it is still connecting). */
    private @Nullable Consumer<@Nullable Throwable> closeBeforeBind;

    /** The whole request body has arrived. */
    boolean requestDone;
    /** The head has been written (or the response was dropped with the connection). */
    boolean responseStarted;
    /** The response is complete (or aborted). */
    boolean responseDone;
    /** The engine closed this stage. */
    boolean closed;
    /** The connection (or HTTP/2 stream) is gone. */
    boolean gone;
    /** The engine's backpressure: false while the next stage cannot take more. */
    boolean engineAutoRead = true;
    /** Whether the connection may carry another request after this one; decided when the response starts. */
    boolean keepAlive;
    /** The stage asked for {@code connection: close}: no other request follows this one on the connection. */
    private boolean stageCloses;
    /** Request body bytes dropped after the session ended. */
    long discarded;

    HttpExchange(HttpConnection conn, Channel channel, String name, HttpRequest request, boolean h2) {
        this.conn = conn;
        this.channel = channel;
        this.name = name;
        this.version = h2 ? HttpVersion.HTTP_1_1 : request.protocolVersion();
        this.h2 = h2;
        this.head = HttpMethod.HEAD.equals(request.method());
        this.clientKeepAlive = h2 || HttpUtil.isKeepAlive(request);
        this.keepAlive = clientKeepAlive;
    }

    /** The client sent no more after this request (it half-closed): the response says the connection closes. */
    void lastRequest() {
        if (!h2) {
            clientKeepAlive = false;
            if (!responseStarted) {
                keepAlive = false;
            }
        }
    }

    boolean isBound() {
        return handler != null;
    }

    // ------------------------------------------------------------------ request side (called by the connection)

    /** Hands one piece of the request body to the session; takes ownership of {@code c}. */
    void onContent(HttpContent c) {
        final ByteBuf b = c.content();
        final boolean last = c instanceof LastHttpContent;
        if (closed || gone || !b.isReadable()) {
            discarded += b.readableBytes();
            c.release();
        } else if (handler == null) {
            ArrayDeque<ByteBuf> q = pending;
            if (q == null) {
                q = new ArrayDeque<>();
                pending = q;
            }
            q.add(b);
        } else {
            handler.onRead(b);
        }
        if (last) {
            requestDone = true;
            if (handler != null && !closed) {
                requestEnded();
            }
        }
    }

    /**
     * The request body failed to decode (a bad chunk, say): answers {@code 400} with l7mp's error body unless the
     * response started already (then the connection is cut), ends the session with that error and closes the
     * connection, as for a request whose head failed to decode.
     */
    void requestFailed(String why) {
        final SessionError e = new SessionError(400, why);
        keepAlive = false;
        releasePending();
        endCallbacks = null;
        if (closed || gone) {
            conn.abort();
            return;
        }
        closed = true;
        if (responseStarted) {
            responseDone = true;
            conn.abort();
        } else {
            responseStarted = true;
            responseDone = true;
            conn.responseDone(this, error(e));
        }
        gone = true;
        failure = e;
        final StageHandler h = handler;
        if (h != null && !notified) {
            notified = true;
            h.onClose(e);
        } else if (h == null && closeBeforeBind != null) {
            final Consumer<@Nullable Throwable> l = closeBeforeBind;
            closeBeforeBind = null;
            l.accept(e);
        }
    }

    void readComplete() {
        final StageHandler h = handler;
        if (h != null && !closed && !gone) {
            h.onReadComplete();
        }
    }

    void writabilityChanged(boolean writable) {
        final StageHandler h = handler;
        if (h != null && !closed && !gone) {
            h.onWritabilityChanged(writable);
        }
    }

    /** The client went away: tells the session once, unless the engine closed this stage already. */
    void connectionGone(@Nullable Throwable cause) {
        gone = true;
        releasePending();
        final StageHandler h = handler;
        if (closed || notified) {
            return;
        }
        if (h == null) {
            final Consumer<@Nullable Throwable> l = closeBeforeBind;
            if (l != null) {
                closeBeforeBind = null;
                l.accept(cause);
            }
            return;
        }
        notified = true;
        h.onClose(cause);
    }

    /**
     * Tells the clusters waiting for the whole request, then the session: the end of the body is passed on as a
     * half-close, so a backend that answers at the end of its input (a TCP service, a process, Echo) ends the
     * response by closing, as in l7mp, where the request stream's end ends the destination's input.
     */
    private void requestEnded() {
        runEndCallbacks();
        final StageHandler h = handler;
        if (h != null && !closed && !gone) {
            h.onInputShutdown();
        }
    }

    // ------------------------------------------------------------------ Stage

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public void bind(StageHandler h) {
        this.handler = h;
        closeBeforeBind = null;
        if (gone) {
            notified = true;
            h.onClose(failure);
            return;
        }
        boolean delivered = false;
        ByteBuf b;
        while (pending != null && (b = pending.poll()) != null) {
            if (closed) {
                b.release();
                continue;
            }
            h.onRead(b);
            delivered = true;
        }
        pending = null;
        if (delivered && !closed) {
            h.onReadComplete();
        }
        if (requestDone && !closed) {
            requestEnded();
        }
        conn.updateAutoRead();
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed || gone || responseDone) {
            msg.release();
            return;
        }
        if (!responseStarted) {
            startStreaming();
        }
        if (head || !msg.isReadable()) {
            msg.release();
            return;
        }
        channel.write(new DefaultHttpContent(msg), channel.voidPromise());
    }

    @Override
    public void flush() {
        if (!closed && !gone) {
            channel.flush();
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        engineAutoRead = autoRead;
        if (!closed) {
            conn.updateAutoRead();
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        releasePending();
        endCallbacks = null;
        if (gone) {
            responseStarted = true;
            responseDone = true;
            conn.responseDone(this, null);
            return;
        }
        final ChannelFuture last;
        if (!responseStarted) {
            responseStarted = true;
            last = cause == null ? full(status, Unpooled.EMPTY_BUFFER, null) : error(cause);
        } else if (cause == null) {
            last = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            // The status is gone already: only cutting the body short tells the client the response failed.
            logger.debug("{} failed after the response started: {}", name, cause.toString());
            responseDone = true;
            conn.abort();
            return;
        }
        responseDone = true;
        conn.responseDone(this, last);
    }

    @Override
    public void onCloseBeforeBind(Consumer<@Nullable Throwable> listener) {
        if (handler != null || closed) {
            return;
        }
        if (gone) {
            listener.accept(failure);
        } else {
            closeBeforeBind = listener;
        }
    }

    @Override
    public String describe() {
        return String.valueOf(conn.remoteAddress());
    }

    // ------------------------------------------------------------------ ResponseHead, RequestEnd

    @Override
    public void responseHead(int status, Map<String, String> headers) {
        if (responseStarted) {
            return;
        }
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100-999)");
        }
        this.status = status;
        headers.forEach((k, v) -> {
            if (HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(k)) {
                // Not a header to pass on (HTTP/2 forbids it): the stage asks that the connection end with this
                // response, e.g. after refusing a request whose body it will not wait for.
                stageCloses |= "close".equalsIgnoreCase(v.trim());
            } else {
                this.headers.put(k, v);
            }
        });
    }

    @Override
    public void onRequestEnd(Runnable callback) {
        if (closed) {
            return;
        }
        if (requestDone && handler != null) {
            callback.run();
            return;
        }
        List<Runnable> l = endCallbacks;
        if (l == null) {
            l = new ArrayList<>(1);
            endCallbacks = l;
        }
        l.add(callback);
    }

    // ------------------------------------------------------------------ responses

    private void startStreaming() {
        responseStarted = true;
        final HttpResponse r = new DefaultHttpResponse(version, HttpResponseStatus.valueOf(status));
        final HttpHeaders hs = r.headers();
        headers.forEach(hs::set);
        if (!h2) {
            if (hs.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                keepAlive = clientKeepAlive;
            } else if (version.equals(HttpVersion.HTTP_1_1)) {
                HttpUtil.setTransferEncodingChunked(r, true);
            } else {
                keepAlive = false;   // an HTTP/1.0 body without a length ends with the connection
            }
            if (stageCloses) {
                keepAlive = false;
            }
            HttpUtil.setKeepAlive(r, keepAlive);
        }
        channel.write(r, channel.voidPromise());
    }

    private ChannelFuture full(int code, ByteBuf body, @Nullable String contentType) {
        final int length = body.readableBytes();
        final FullHttpResponse r = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(code),
                head ? Unpooled.EMPTY_BUFFER : body);
        if (head) {
            body.release();
        }
        final HttpHeaders hs = r.headers();
        headers.forEach(hs::set);
        if (contentType != null) {
            hs.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        hs.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        if (!h2) {
            HttpUtil.setKeepAlive(r, keepAlive);
        }
        return channel.writeAndFlush(r);
    }

    /** Answers l7mp's error body: {@code {"status": 404, "message": "Not Found", "content": "No route ..."}}. */
    private ChannelFuture error(Throwable cause) {
        final int code = cause instanceof SessionError se && se.status() >= 400 && se.status() <= 599 ? se.status()
                : HttpResponseStatus.BAD_GATEWAY.code();
        final HttpResponseStatus s = HttpResponseStatus.valueOf(code);
        final ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("status", code);
        body.put("message", s.reasonPhrase());
        body.put("content", String.valueOf(cause.getMessage()));
        logger.debug("{} answered {}: {}", name, code, cause.getMessage());
        headers.clear();
        return full(code, ByteBufUtil.writeUtf8(channel.alloc(), body.toString()),
                HttpHeaderValues.APPLICATION_JSON.toString());
    }

    private void runEndCallbacks() {
        final List<Runnable> l = endCallbacks;
        endCallbacks = null;
        if (l != null) {
            for (final Runnable r : l) {
                r.run();
            }
        }
    }

    private void releasePending() {
        final ArrayDeque<ByteBuf> q = pending;
        pending = null;
        if (q != null) {
            ByteBuf b;
            while ((b = q.poll()) != null) {
                b.release();
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
