package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.NamedCluster;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.SessionSetup;
import io.l7mp.spi.SessionUpdate;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session of a meta-listener, from the inner listener's accept until it ends. Set-up: connect the ingress and
 * egress transforms, read the first message through the ingress ones (bounded wait), let them annotate the
 * metadata, run the session transforms one by one (each bounded), then hand the session to the engine, with this
 * object as its source stage. Afterwards it is that stage: what the client sends goes through the ingress
 * transforms to the session, what the session writes goes through the egress transforms to the client, with
 * backpressure passed along as between a session's hops. Confined to the session's loop.
 */
final class MetaSession implements Stage {
    private static final Logger logger = LoggerFactory.getLogger(MetaSession.class);
    /** Datagrams kept while the session is routed; more are dropped, as a UDP listener does before routing. */
    static final int MAX_QUEUED = 64;

    private record Ran(String cluster, SessionHook hook) {
    }

    private final MetaListener owner;
    private final MetaListener.Parts parts;
    private final String name;
    private final Stage source;
    private final EventLoop loop;
    private final long timeout;
    private ObjectNode metadata;
    private @Nullable Stage in;
    private @Nullable Stage out;
    private @Nullable StageHandler handler;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private final List<Ran> ran = new ArrayList<>(1);
    private @Nullable ScheduledFuture<?> timer;
    private boolean dataSeen;
    private boolean proceeding;
    private boolean emitted;
    private boolean closed;
    private boolean closedEarly;
    private @Nullable Throwable earlyCause;
    private int hookAttempt;

    MetaSession(MetaListener owner, String name, ObjectNode metadata, Stage source) {
        this.owner = owner;
        this.parts = owner.parts();
        this.name = name;
        this.metadata = metadata;
        this.source = source;
        this.loop = source.eventLoop();
        this.timeout = owner.spec().timeoutOrDefault();
    }

    @Override
    public String toString() {
        return name;
    }

    // ------------------------------------------------------------------ set-up

    void start() {
        final Composite ci = parts.ingress();
        final Composite co = parts.egress();
        final int[] left = {(ci == null ? 0 : 1) + (co == null ? 0 : 1)};
        if (left[0] == 0) {
            connected();
            return;
        }
        timer = loop.schedule(() -> abort(new SessionError(504, "transforms not connected within " + timeout
                + " ms")), timeout, TimeUnit.MILLISECONDS);
        for (final Composite c : new Composite[] {ci, co}) {
            if (c == null) {
                continue;
            }
            final boolean ingress = c == ci;
            final Future<Stage> f;
            try {
                f = c.connect(new ConnectRequest(name, loop, null, metadata, timeout, source));
            } catch (final RuntimeException e) {
                abort(e);
                return;
            }
            f.addListener(x -> {
                if (!x.isSuccess()) {
                    abort(x.cause());
                    return;
                }
                final Stage s = (Stage) x.getNow();
                if (closed) {
                    s.close(null);
                    return;
                }
                if (ingress) {
                    in = s;
                } else {
                    out = s;
                }
                if (--left[0] == 0) {
                    connected();
                }
            });
        }
    }

    private void connected() {
        if (closed) {
            return;
        }
        cancelTimer();
        // Downstream first: nothing a stage reads may find its next stage unbound.
        if (out != null) {
            out.bind(new EgressOut());
        }
        if (in != null) {
            in.bind(new IngressOut());
        }
        source.bind(new SourceIn());
        if (closed || proceeding) {
            return;
        }
        if (!owner.spec().waitsForData()) {
            proceed();
        } else if (!dataSeen) {
            timer = loop.schedule(() -> {
                logger.debug("{} listener {}: no data within {} ms; routing without it", name,
                        owner.context().name(), timeout);
                proceed();
            }, timeout, TimeUnit.MILLISECONDS);
        }
    }

    /** The first message went through (or the wait ended): annotate, run the session transforms, hand on. */
    private void proceed() {
        if (closed || proceeding) {
            return;
        }
        proceeding = true;
        cancelTimer();
        // Nothing more is read until the engine binds the session; what the transforms emitted meanwhile is kept.
        source.setAutoRead(false);
        if (in instanceof Annotating a) {
            a.annotate(metadata);
        }
        hook(0);
    }

    private void hook(int i) {
        if (closed) {
            return;
        }
        final List<Composite.Inner> hooks = parts.session();
        if (i == hooks.size()) {
            emitted = true;
            owner.context().newSession(name, metadata, this);
            return;
        }
        final Composite.Inner el = hooks.get(i);
        final SessionHook hook;
        if (el.named()) {
            final NamedCluster c = owner.clusters().cluster(el.name());
            hook = c == null ? null : c.hook();
            if (hook == null) {
                abort(new SessionError(c == null ? 404 : 500, "session transform: cluster \"" + el.name() + "\" "
                        + (c == null ? "not found" : "(" + c.provider().name() + ") is not a session transform")));
                return;
            }
        } else {
            hook = (SessionHook) el.cluster();
        }
        final int att = ++hookAttempt;
        final Future<SessionUpdate> f;
        try {
            f = hook.setup(new SessionSetup(name, loop, metadata.deepCopy(), null, timeout));
        } catch (final RuntimeException e) {
            abort(e);
            return;
        }
        if (!f.isDone()) {
            timer = loop.schedule(() -> {
                if (hookAttempt == att) {
                    hookAttempt++;
                    abort(new SessionError(504, "session transform " + el.name() + " timed out after " + timeout
                            + " ms"));
                }
            }, timeout, TimeUnit.MILLISECONDS);
        }
        f.addListener(x -> {
            if (hookAttempt != att || closed) {
                return;
            }
            cancelTimer();
            if (!x.isSuccess()) {
                abort(x.cause());
                return;
            }
            ran.add(new Ran(el.name(), hook));
            final SessionUpdate u = f.getNow();
            if (u != null && u.metadata() != null) {
                metadata = u.metadata();
            }
            if (u != null && u.route() != null) {
                logger.debug("{} session transform {} chose route {}: ignored before routing (the rules decide)",
                        name, el.name(), u.route());
            }
            hook(i + 1);
        });
    }

    /** The set-up failed: the session never reaches the engine; the client's connection is closed. */
    private void abort(Throwable cause) {
        if (closed) {
            return;
        }
        logger.debug("{} listener {}: set-up failed: {}", name, owner.context().name(), cause.getMessage());
        closeAll(cause instanceof SessionError ? cause : new SessionError(502, "listener " + owner.context().name()
                + ": " + cause.getMessage(), cause));
    }

    private void cancelTimer() {
        final ScheduledFuture<?> t = timer;
        timer = null;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** What the ingress transforms emit goes to the session, or waits until it is routed. */
    private void deliver(ByteBuf msg) {
        final StageHandler h = handler;
        if (closed) {
            msg.release();
        } else if (h != null) {
            h.onRead(msg);
        } else if (queue.size() < MAX_QUEUED || streamKind() == StreamKind.BYTE) {
            // A byte stream is paused after its first read, so what it queues is one read batch at most.
            queue.add(msg);
        } else {
            msg.release();
        }
    }

    private void received(ByteBuf msg) {
        final Stage i = in;
        if (i != null) {
            i.write(msg);
        } else {
            deliver(msg);
        }
        if (!dataSeen) {
            dataSeen = true;
            if (handler == null && owner.spec().waitsForData()) {
                // After this read batch: the transforms have seen the message, and the batch is complete.
                loop.execute(this::proceed);
            }
        }
    }

    private void peerClosed(@Nullable Throwable cause) {
        if (closed) {
            return;
        }
        final StageHandler h = handler;
        if (h != null) {
            h.onClose(cause);
        } else if (emitted) {
            // The engine is connecting the session: tell it when it binds, as a channel stage does.
            closedEarly = true;
            earlyCause = cause;
            closeAll(cause);
        } else {
            logger.debug("{} listener {}: closed before it was routed", name, owner.context().name());
            closeAll(cause);
        }
    }

    private void closeAll(@Nullable Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        cancelTimer();
        ByteBuf b;
        while ((b = queue.poll()) != null) {
            b.release();
        }
        if (in != null) {
            in.close(cause);
        }
        if (out != null) {
            out.close(cause);
        }
        source.close(cause);
        for (int i = ran.size() - 1; i >= 0; i--) {
            final Ran r = ran.get(i);
            try {
                r.hook().teardown(name, loop, metadata, cause);
            } catch (final RuntimeException e) {
                logger.warn("{} session transform {}: teardown failed", name, r.cluster(), e);
            }
        }
        ran.clear();
    }

    // ------------------------------------------------------------------ the stage the engine sees

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public StreamKind streamKind() {
        final boolean bytes = source.streamKind() == StreamKind.BYTE
                || in != null && in.streamKind() == StreamKind.BYTE
                || out != null && out.streamKind() == StreamKind.BYTE;
        return bytes ? StreamKind.BYTE : StreamKind.DATAGRAM;
    }

    @Override
    public void bind(StageHandler h) {
        handler = h;
        if (closedEarly) {
            h.onClose(earlyCause);
            return;
        }
        if (closed) {
            return;
        }
        if (!queue.isEmpty()) {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                h.onRead(b);
            }
            h.onReadComplete();
        }
        if (!closed) {
            source.setAutoRead(true);
        }
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed) {
            msg.release();
            return;
        }
        final Stage o = out;
        if (o != null) {
            o.write(msg);
        } else {
            source.write(msg);
        }
    }

    @Override
    public void flush() {
        if (closed) {
            return;
        }
        final Stage o = out;
        if (o != null) {
            o.flush();
        } else {
            source.flush();
        }
    }

    @Override
    public boolean isWritable() {
        final Stage o = out;
        return !closed && (o != null ? o.isWritable() : source.isWritable());
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        if (!closed && handler != null) {
            source.setAutoRead(autoRead);
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        closeAll(cause);
    }

    @Override
    public void goingAway() {
        if (in != null) {
            in.goingAway();
        }
        if (out != null) {
            out.goingAway();
        }
        source.goingAway();
    }

    @Override
    public String describe() {
        return source.describe();
    }

    // ------------------------------------------------------------------ handlers of the wrapped stages

    /** What the client sends. */
    private final class SourceIn implements StageHandler {
        @Override
        public void onRead(ByteBuf msg) {
            if (closed) {
                msg.release();
                return;
            }
            received(msg);
        }

        @Override
        public void onReadComplete() {
            if (closed) {
                return;
            }
            final Stage i = in;
            final StageHandler h = handler;
            if (i != null) {
                i.flush();
            } else if (h != null) {
                h.onReadComplete();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (closed) {
                return;
            }
            final Stage o = out;
            final StageHandler h = handler;
            if (o != null) {
                // The egress transforms write into the client: they pause while it cannot take more.
                o.setAutoRead(writable);
            } else if (h != null) {
                h.onWritabilityChanged(writable);
            }
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
            peerClosed(cause);
        }
    }

    /** What comes out of the ingress transforms. */
    private final class IngressOut implements StageHandler {
        @Override
        public void onRead(ByteBuf msg) {
            deliver(msg);
        }

        @Override
        public void onReadComplete() {
            final StageHandler h = handler;
            if (!closed && h != null) {
                h.onReadComplete();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            if (!closed && handler != null) {
                source.setAutoRead(writable);
            }
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
            peerClosed(cause);
        }
    }

    /** What comes out of the egress transforms, for the client. */
    private final class EgressOut implements StageHandler {
        @Override
        public void onRead(ByteBuf msg) {
            if (closed) {
                msg.release();
                return;
            }
            source.write(msg);
        }

        @Override
        public void onReadComplete() {
            if (!closed) {
                source.flush();
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            final StageHandler h = handler;
            if (!closed && h != null) {
                h.onWritabilityChanged(writable);
            }
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
            peerClosed(cause);
        }
    }
}
