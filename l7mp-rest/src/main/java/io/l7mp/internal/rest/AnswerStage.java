package io.l7mp.internal.rest;

import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ResponseHead;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A local stage that answers its session's HTTP request once and then ends the session: sets status and headers on
 * the listener's {@link ResponseHead}, writes the body, closes. Confined to the session's loop.
 */
abstract class AnswerStage implements Stage {
    protected final ConnectRequest request;
    private @Nullable StageHandler handler;
    private @Nullable RestResponse pending;
    private boolean answered;
    protected boolean closed;

    AnswerStage(ConnectRequest request) {
        this.request = request;
    }

    @Override
    public EventLoop eventLoop() {
        return request.eventLoop();
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public void bind(StageHandler h) {
        this.handler = h;
        final RestResponse r = pending;
        if (r != null) {
            pending = null;
            eventLoop().execute(() -> deliver(r));
        }
        bound();
    }

    /** Called once the stage is bound; the request body starts to flow to {@link #write}. */
    protected void bound() {
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        // One answer, written at once: nothing to pace.
    }

    @Override
    public void close(@Nullable Throwable cause) {
        closed = true;
    }

    /** Answers once; later answers are ignored. Call on the loop. The answer goes out after the current call stack. */
    final void answer(RestResponse r) {
        if (answered || closed) {
            return;
        }
        answered = true;
        if (handler == null) {
            pending = r;
            return;
        }
        eventLoop().execute(() -> deliver(r));
    }

    final boolean answered() {
        return answered;
    }

    private void deliver(RestResponse r) {
        final StageHandler h = handler;
        if (closed || h == null) {
            return;
        }
        if (request.source() instanceof ResponseHead rh) {
            final Map<String, String> headers = new LinkedHashMap<>(r.headers());
            headers.put("content-type", r.contentType());
            headers.put("content-length", String.valueOf(r.body().length));
            rh.responseHead(r.status(), headers);
        }
        if (r.body().length > 0) {
            h.onRead(Unpooled.wrappedBuffer(r.body()));
        }
        h.onReadComplete();
        if (!closed) {
            closed = true;
            h.onClose(null);
        }
    }

    /** Drops request bytes nobody reads. */
    static void drop(ByteBuf msg) {
        msg.release();
    }
}
