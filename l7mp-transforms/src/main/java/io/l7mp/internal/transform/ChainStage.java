package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Several stages of one session run as one: what is written goes into the first, what each one emits goes into the
 * next, what the last one emits comes out. Backpressure is passed along the chain as the engine does between hops.
 * Confined to the session's loop.
 */
final class ChainStage implements Stage, Annotating {
    private final EventLoop loop;
    private final Stage[] stages;
    private final StreamKind kind;
    private @Nullable StageHandler handler;
    private boolean closed;

    ChainStage(EventLoop loop, Stage[] stages) {
        this.loop = loop;
        this.stages = stages;
        StreamKind k = StreamKind.DATAGRAM;
        for (final Stage s : stages) {
            if (s.streamKind() == StreamKind.BYTE) {
                k = StreamKind.BYTE;
            }
        }
        this.kind = k;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public StreamKind streamKind() {
        return kind;
    }

    @Override
    public void bind(StageHandler h) {
        this.handler = h;
        // Downstream first, so that nothing a stage reads finds its next stage unbound.
        for (int i = stages.length - 1; i >= 0 && !closed; i--) {
            stages[i].bind(new Link(i));
        }
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed) {
            msg.release();
            return;
        }
        stages[0].write(msg);
    }

    @Override
    public void flush() {
        if (!closed) {
            stages[0].flush();
        }
    }

    @Override
    public boolean isWritable() {
        return !closed && stages[0].isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        if (!closed) {
            stages[stages.length - 1].setAutoRead(autoRead);
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        if (!closed) {
            closed = true;
            for (final Stage s : stages) {
                s.close(cause);
            }
        }
    }

    @Override
    public void goingAway() {
        for (final Stage s : stages) {
            s.goingAway();
        }
    }

    @Override
    public String describe() {
        final StringJoiner j = new StringJoiner(" > ");
        for (final Stage s : stages) {
            j.add(s.describe());
        }
        return j.toString();
    }

    @Override
    public void annotate(ObjectNode metadata) {
        if (closed) {
            return;
        }
        for (final Stage s : stages) {
            if (s instanceof Annotating a) {
                a.annotate(metadata);
            }
        }
    }

    /** The handler of stage {@code i}: feeds stage {@code i + 1}, or the session after the last one. */
    private final class Link implements StageHandler {
        private final int i;

        Link(int i) {
            this.i = i;
        }

        @Override
        public void onRead(ByteBuf msg) {
            final StageHandler h = handler;
            if (closed || h == null) {
                msg.release();
                return;
            }
            if (i == stages.length - 1) {
                h.onRead(msg);
                return;
            }
            final Stage next = stages[i + 1];
            next.write(msg);
            if (!next.isWritable()) {
                stages[i].setAutoRead(false);
            }
        }

        @Override
        public void onReadComplete() {
            final StageHandler h = handler;
            if (closed || h == null) {
                return;
            }
            if (i == stages.length - 1) {
                h.onReadComplete();
            } else {
                stages[i + 1].flush();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            final StageHandler h = handler;
            if (closed || h == null) {
                return;
            }
            if (i == 0) {
                h.onWritabilityChanged(writable);
            } else if (writable) {
                stages[i - 1].setAutoRead(true);
            }
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
            if (closed) {
                return;
            }
            closed = true;
            for (int j = 0; j < stages.length; j++) {
                if (j != i) {
                    stages[j].close(cause);
                }
            }
            final StageHandler h = handler;
            if (h != null) {
                h.onClose(cause);
            }
        }
    }
}
