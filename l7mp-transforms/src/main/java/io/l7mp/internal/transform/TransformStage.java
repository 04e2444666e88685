package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.SessionTransform;
import io.l7mp.transform.TransformContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link SessionTransform} as a stage: what the session writes into it goes through the transform and comes
 * out of it to the next hop, on the same loop with no copy. Its writability follows its own reader's, as for Echo.
 */
public final class TransformStage implements Stage, SessionTransform.Output, Annotating {
    private static final Logger logger = LoggerFactory.getLogger(TransformStage.class);

    private final TransformContext ctx;
    private final StreamKind kind;
    private final SessionTransform transform;
    private final String describe;
    private @Nullable StageHandler handler;
    private @Nullable ByteBuf current;
    private boolean emittedCurrent;
    private boolean readable = true;
    private boolean closed;

    public TransformStage(TransformContext ctx, StreamKind kind, SessionTransform transform, String describe) {
        this.ctx = ctx;
        this.kind = kind;
        this.transform = transform;
        this.describe = describe;
    }

    @Override
    public EventLoop eventLoop() {
        return ctx.eventLoop();
    }

    @Override
    public StreamKind streamKind() {
        return kind;
    }

    @Override
    public void bind(StageHandler h) {
        this.handler = h;
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed || handler == null) {
            msg.release();
            return;
        }
        current = msg;
        emittedCurrent = false;
        try {
            transform.onMessage(msg, this);
        } catch (final VirtualMachineError e) {
            throw e;
        } catch (final Throwable e) {
            if (!emittedCurrent && msg.refCnt() > 0) {
                ReferenceCountUtil.safeRelease(msg);
            }
            fail(e);
        } finally {
            current = null;
        }
    }

    @Override
    public void emit(ByteBuf msg) {
        if (msg == current) {
            emittedCurrent = true;
        }
        final StageHandler h = handler;
        if (closed || h == null) {
            msg.release();
            return;
        }
        h.onRead(msg);
    }

    @Override
    public void flush() {
        final StageHandler h = handler;
        if (!closed && h != null) {
            h.onReadComplete();
        }
    }

    @Override
    public boolean isWritable() {
        return readable;
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        final boolean was = readable;
        readable = autoRead;
        final StageHandler h = handler;
        if (autoRead && !was && h != null && !closed) {
            h.onWritabilityChanged(true);
        }
    }

    /**
     * Passes the end of the stream on, as a pass-through does: the next hop hears it after the messages written
     * before it (on the next loop turn, once the engine has taken the half-close).
     */
    @Override
    public boolean shutdownOutput() {
        if (closed) {
            return false;
        }
        ctx.eventLoop().execute(() -> {
            final StageHandler h = handler;
            if (!closed && h != null) {
                h.onInputShutdown();
            }
        });
        return true;
    }

    @Override
    public void close(@Nullable Throwable cause) {
        if (!closed) {
            closed = true;
            closeTransform();
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void annotate(ObjectNode metadata) {
        if (closed) {
            return;
        }
        try {
            transform.annotate(metadata);
        } catch (final RuntimeException e) {
            logger.warn("{} transform {}: annotate failed", ctx.sessionName(), ctx.clusterName(), e);
        }
    }

    private void fail(Throwable cause) {
        if (closed) {
            return;
        }
        logger.warn("{} transform {} failed; disconnecting it", ctx.sessionName(), ctx.clusterName(), cause);
        closed = true;
        closeTransform();
        final StageHandler h = handler;
        if (h != null) {
            h.onClose(cause);
        }
    }

    private void closeTransform() {
        try {
            transform.onClose();
        } catch (final RuntimeException e) {
            logger.warn("{} transform {}: error while closing", ctx.sessionName(), ctx.clusterName(), e);
        }
    }
}
