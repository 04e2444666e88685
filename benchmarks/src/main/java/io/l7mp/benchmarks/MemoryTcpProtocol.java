package io.l7mp.benchmarks;

import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * {@code MemTCP}, for {@link SessionBenchmark} only: a byte-stream listener and cluster with no sockets, so that a
 * session's engine work can be measured without the kernel. The listener accepts nothing by itself; the benchmark
 * takes its {@link ListenerContext} ({@link #context}) and starts sessions through it as the TCP listener does. The
 * cluster's stages behave as a connection to an echo server: the connect completes on a later loop turn, writes come
 * back on a later turn, and a half-close is answered with the server's own end of stream on a later turn.
 */
public final class MemoryTcpProtocol implements ProtocolProvider {
    private static final Map<String, ListenerContext> CONTEXTS = new ConcurrentHashMap<>();

    /** Returns the context of the started {@code MemTCP} listener of this name, or null. */
    static @Nullable ListenerContext context(String listener) {
        return CONTEXTS.get(listener);
    }

    @Override
    public String name() {
        return "MemTCP";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
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
    public Listener newListener(ListenerContext ctx) {
        return new Listener() {
            @Override
            public CompletableFuture<Void> start() {
                CONTEXTS.put(ctx.name(), ctx);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public @Nullable SocketAddress localAddress() {
                return null;
            }

            @Override
            public CompletableFuture<Void> close() {
                CONTEXTS.remove(ctx.name(), ctx);
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return r -> {
            // As a non-blocking connect: the socket is writable on a later turn of the loop.
            final EventLoop loop = r.eventLoop();
            final Promise<Stage> p = loop.newPromise();
            final EchoPeerStage s = new EchoPeerStage(loop);
            loop.execute(() -> p.trySuccess(s));
            return p;
        };
    }

    /** A client's connection as the listener accepted it: sends one request, and closes once the answer came back. */
    static final class ClientStage implements Stage {
        private final EventLoop loop;
        private final ByteBuf request;
        private final Runnable closed;
        private @Nullable StageHandler handler;
        private @Nullable Consumer<@Nullable Throwable> closeBeforeBind;
        private int expected;
        private boolean done;

        /** {@code request} is sent once bound (and released); {@code closed} runs once the stage is closed. */
        ClientStage(EventLoop loop, ByteBuf request, Runnable closed) {
            this.loop = loop;
            this.request = request;
            this.expected = request.readableBytes();
            this.closed = closed;
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.BYTE;
        }

        @Override
        public void onCloseBeforeBind(Consumer<@Nullable Throwable> listener) {
            closeBeforeBind = listener;
        }

        @Override
        public void bind(StageHandler h) {
            handler = h;
            closeBeforeBind = null;
            loop.execute(() -> {
                if (!done) {
                    h.onRead(request);
                    h.onReadComplete();
                } else {
                    request.release();
                }
            });
        }

        @Override
        public void write(ByteBuf msg) {
            expected -= msg.readableBytes();
            msg.release();
        }

        @Override
        public void flush() {
            final StageHandler h = handler;
            if (expected <= 0 && h != null && !done) {
                // The whole answer is in: the client closes, which the proxy reads as its FIN.
                loop.execute(() -> {
                    if (!done) {
                        h.onInputShutdown();
                    }
                });
            }
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void setAutoRead(boolean autoRead) {
        }

        @Override
        public boolean shutdownOutput() {
            return !done;
        }

        @Override
        public void close(@Nullable Throwable cause) {
            if (!done) {
                done = true;
                closed.run();
            }
        }

        @Override
        public String describe() {
            return "client";
        }
    }

    /** A connection to an echo server: what is written comes back, and so does the end of the stream. */
    static final class EchoPeerStage implements Stage {
        private final EventLoop loop;
        private @Nullable StageHandler handler;
        private @Nullable ByteBuf written;
        private boolean closed;

        EchoPeerStage(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.BYTE;
        }

        @Override
        public void bind(StageHandler h) {
            handler = h;
        }

        @Override
        public void write(ByteBuf msg) {
            if (closed) {
                msg.release();
                return;
            }
            final ByteBuf w = written;
            written = w == null ? msg : w.writeBytes(msg);
            if (w != null) {
                msg.release();
            }
        }

        @Override
        public void flush() {
            final ByteBuf w = written;
            final StageHandler h = handler;
            if (w == null || h == null) {
                return;
            }
            written = null;
            loop.execute(() -> {
                if (closed) {
                    w.release();
                    return;
                }
                h.onRead(w);
                h.onReadComplete();
            });
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void setAutoRead(boolean autoRead) {
        }

        @Override
        public boolean shutdownOutput() {
            final StageHandler h = handler;
            if (closed || h == null) {
                return false;
            }
            // The echo server reads the FIN and closes its socket: its own FIN comes back on a later turn.
            loop.execute(() -> {
                if (!closed) {
                    h.onInputShutdown();
                }
            });
            return true;
        }

        @Override
        public void close(@Nullable Throwable cause) {
            closed = true;
            final ByteBuf w = written;
            written = null;
            if (w != null) {
                w.release();
            }
        }

        @Override
        public String describe() {
            return "echo";
        }
    }
}
