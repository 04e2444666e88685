package io.l7mp.internal.engine;

import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Several endpoint stages behind one: a write goes to every one (Multicast, Broadcast), reads from any come back.
 * Closes when the last member closes.
 */
final class FanOutStage implements Stage {
    private final EventLoop loop;
    private final List<Stage> members;
    private @Nullable StageHandler handler;
    private boolean closed;

    FanOutStage(EventLoop loop, List<Stage> members) {
        this.loop = loop;
        this.members = new ArrayList<>(members);
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public StreamKind streamKind() {
        for (final Stage s : members) {
            if (s.streamKind() == StreamKind.BYTE) {
                return StreamKind.BYTE;
            }
        }
        return StreamKind.DATAGRAM;
    }

    @Override
    public void bind(StageHandler h) {
        this.handler = h;
        for (final Stage s : List.copyOf(members)) {
            s.bind(new Member(s));
        }
    }

    @Override
    public void write(ByteBuf msg) {
        final int n = members.size();
        if (closed || n == 0) {
            msg.release();
            return;
        }
        for (int i = 0; i < n - 1; i++) {
            members.get(i).write(msg.retainedDuplicate());
        }
        members.get(n - 1).write(msg);
    }

    @Override
    public void flush() {
        for (final Stage s : members) {
            s.flush();
        }
    }

    @Override
    public boolean isWritable() {
        for (final Stage s : members) {
            if (!s.isWritable()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        for (final Stage s : members) {
            s.setAutoRead(autoRead);
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        for (final Stage s : members) {
            s.close(cause);
        }
        members.clear();
    }

    @Override
    public void goingAway() {
        for (final Stage s : members) {
            s.goingAway();
        }
    }

    @Override
    public String describe() {
        final List<String> d = new ArrayList<>();
        for (final Stage s : members) {
            d.add(s.describe());
        }
        return String.join(",", d);
    }

    private final class Member implements StageHandler {
        private final Stage stage;

        Member(Stage stage) {
            this.stage = stage;
        }

        @Override
        public void onRead(ByteBuf msg) {
            final StageHandler h = handler;
            if (h == null || closed) {
                msg.release();
                return;
            }
            h.onRead(msg);
        }

        @Override
        public void onReadComplete() {
            if (handler != null && !closed) {
                handler.onReadComplete();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (handler != null && !closed) {
                handler.onWritabilityChanged(isWritable());
            }
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
            members.remove(stage);
            if (members.isEmpty() && !closed && handler != null) {
                closed = true;
                handler.onClose(cause);
            }
        }
    }
}
