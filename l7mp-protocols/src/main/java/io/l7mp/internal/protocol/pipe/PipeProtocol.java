package io.l7mp.internal.protocol.pipe;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.stdio.StreamStage;
import io.l7mp.protocol.PipeSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PIPE}: named pipes as a byte stream. The proxy reads {@code input} and writes {@code output}. A stage exists
 * once a peer has opened the other ends, and ends when the peer closes its writing end (end of {@code input}) or its
 * reading end (a write to {@code output} fails). The listener runs in singleton mode: one session at a time, the next
 * one as soon as a peer opens the FIFOs again. Not retriable.
 */
public final class PipeProtocol implements ProtocolProvider {
    private static final Logger logger = LoggerFactory.getLogger(PipeProtocol.class);
    /** How long queued output may take to drain into {@code output} once the stage ended. */
    private static final long OUTPUT_DRAIN_MILLIS = 2000;
    /** Pause before the listener waits for its next peer, so that a failing route does not spin. */
    private static final long RESTART_MILLIS = 200;

    @Override
    public String name() {
        return "PIPE";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return PipeSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public boolean hasListener() {
        return true;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean hasEndpoints() {
        return false;
    }

    @Override
    public boolean retriable() {
        return false;
    }

    @Override
    public boolean touchesLocalSystem() {
        return true;
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new PipeListener(ctx, (PipeSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final PipeSpec spec = (PipeSpec) ctx.spec();
        return r -> connect(spec, r);
    }

    private static @Nullable Path input(PipeSpec spec) {
        return spec.input() == null ? null : Fifos.path(spec.input());
    }

    private static @Nullable Path output(PipeSpec spec) {
        return spec.output() == null ? null : Fifos.path(spec.output());
    }

    private static String describe(@Nullable Path in, @Nullable Path out) {
        return (in == null ? "" : "<" + in) + (in != null && out != null ? " " : "") + (out == null ? "" : ">" + out);
    }

    /** Wraps opened ends in a stage; {@code afterEnd} runs on the loop once the stage has ended. */
    private static StreamStage stage(EventLoop loop, String name, Fifos.Ends ends, @Nullable Path in,
                                     @Nullable Path out, Runnable afterEnd) {
        final FileChannel i = ends.in();
        final FileChannel o = ends.out();
        return new StreamStage(loop, name, describe(in, out), i == null ? null : Channels.newInputStream(i),
                o == null ? null : Channels.newOutputStream(o), () -> {
                    // Closing the channel wakes the reader thread; the output first drains what was queued.
                    Fifos.closeQuietly(i);
                    if (o != null) {
                        loop.schedule(() -> Fifos.closeQuietly(o), OUTPUT_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
                    }
                    afterEnd.run();
                }).withHalfClose(); // a half-close closes the output FIFO: the peer reads its end, may answer the rest
    }

    private static Future<Stage> connect(PipeSpec spec, ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        final Path in = input(spec);
        final Path out = output(spec);
        final Fifos.Ends ends = Fifos.Ends.open(in, out);
        // Nobody may ever open the other ends: stop waiting when the attempt times out.
        final ScheduledFuture<?> timer = r.eventLoop().schedule(() -> {
            if (p.tryFailure(new SessionError(504, "no peer opened " + describe(in, out) + " within "
                    + r.timeoutMillis() + " ms"))) {
                ends.cancel();
            }
        }, r.timeoutMillis(), TimeUnit.MILLISECONDS);
        ends.future().whenComplete((e, err) -> r.eventLoop().execute(() -> {
            timer.cancel(false);
            if (err != null) {
                final Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause()
                        : err;
                p.tryFailure(new SessionError(502, "cannot open " + describe(in, out) + ": " + c.getMessage(), c));
                return;
            }
            final StreamStage s = stage(r.eventLoop(), r.sessionName(), e, in, out, () -> { });
            if (!p.trySuccess(s)) {
                s.close(null);
            }
        }));
        return p;
    }

    /** Emits a session whenever a peer has opened the FIFOs, one at a time. */
    private static final class PipeListener implements Listener {
        private final ListenerContext ctx;
        private final @Nullable Path in;
        private final @Nullable Path out;
        private final AtomicInteger sequence = new AtomicInteger();
        private volatile boolean closed;
        private volatile Fifos.@Nullable Ends pending;

        PipeListener(ListenerContext ctx, PipeSpec spec) {
            this.ctx = ctx;
            this.in = input(spec);
            this.out = output(spec);
        }

        @Override
        public CompletableFuture<Void> start() {
            try {
                if (in != null) {
                    Fifos.ensure("input", in);
                }
                if (out != null) {
                    Fifos.ensure("output", out);
                }
            } catch (final RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            await();
            return CompletableFuture.completedFuture(null);
        }

        private void await() {
            if (closed) {
                return;
            }
            final Fifos.Ends ends = Fifos.Ends.open(in, out);
            pending = ends;
            if (closed) {
                ends.cancel();
                return;
            }
            ends.future().whenComplete((e, err) -> {
                pending = null;
                if (closed) {
                    if (e != null) {
                        e.cancel();
                    }
                    return;
                }
                if (err != null) {
                    logger.warn("listener {}: cannot open {}: {}", ctx.name(), describe(in, out), err.getMessage());
                    ctx.transport().group().schedule(this::await, RESTART_MILLIS * 5, TimeUnit.MILLISECONDS);
                    return;
                }
                final EventLoop loop = ctx.transport().group().next();
                loop.execute(() -> emit(loop, e));
            });
        }

        private void emit(EventLoop loop, Fifos.Ends ends) {
            final String name = "PIPE:" + ctx.name() + "-" + sequence.getAndIncrement();
            final StreamStage stage = stage(loop, name, ends, in, out,
                    () -> loop.schedule(this::await, RESTART_MILLIS, TimeUnit.MILLISECONDS));
            final ObjectNode md = JsonNodeFactory.instance.objectNode();
            final ObjectNode pipe = md.putObject("PIPE");
            if (in != null) {
                pipe.put("input", in.toString());
            }
            if (out != null) {
                pipe.put("output", out.toString());
            }
            logger.debug("listener {}: peer opened {}", ctx.name(), describe(in, out));
            ctx.newSession(name, md, stage);
        }

        @Override
        public @Nullable SocketAddress localAddress() {
            return null;
        }

        @Override
        public CompletableFuture<Void> close() {
            closed = true;
            final Fifos.Ends e = pending;
            if (e != null) {
                e.cancel();
            }
            return CompletableFuture.completedFuture(null);
        }
    }
}
