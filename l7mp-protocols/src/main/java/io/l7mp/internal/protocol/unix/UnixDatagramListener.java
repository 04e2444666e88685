package io.l7mp.internal.protocol.unix;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.protocol.UnixDatagramSpec;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.StreamKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Unix datagram listener. Server mode: one socket bound to {@code filename} on one event loop, demultiplexed by
 * peer path into sessions on that loop. Singleton mode: the socket is also connected to {@code connect}, one session,
 * re-created (after a pause) when it ends. The socket file is removed whenever the socket closes.
 */
final class UnixDatagramListener implements Listener {
    private static final Logger logger = LoggerFactory.getLogger(UnixDatagramListener.class);
    /** Pause before a singleton listener re-creates its session, so a failing route does not spin. */
    private static final long SINGLETON_RESTART_MILLIS = 1000;

    private final ListenerContext ctx;
    private final UnixDatagramSpec spec;
    private final Path path;
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile @Nullable Channel socket;
    private volatile boolean closed;

    UnixDatagramListener(ListenerContext ctx, UnixDatagramSpec spec) {
        this.ctx = ctx;
        this.spec = spec;
        this.path = UnixSockets.path(spec.filename());
    }

    ListenerContext context() {
        return ctx;
    }

    Path path() {
        return path;
    }

    int idleTimeoutSeconds() {
        return spec.idleTimeout();
    }

    /** Returns a session name, {@code UNIX-DGRAM:<listener>-<n>}. */
    String nextSessionName() {
        return "UNIX-DGRAM:" + ctx.name() + "-" + sequence.getAndIncrement();
    }

    /** Returns {@code {UNIX: {filename, peer}}}. */
    ObjectNode metadata(String peer) {
        final ObjectNode md = JsonNodeFactory.instance.objectNode();
        md.putObject("UNIX").put("filename", path.toString()).put("peer", peer);
        return md;
    }

    @Override
    public CompletableFuture<Void> start() {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final String why = UnixDatagramProtocol.nativeRequired(ctx.transport());
        if (why != null) {
            done.completeExceptionally(new IllegalStateException(why));
            return done;
        }
        open(done);
        return done;
    }

    private void open(@Nullable CompletableFuture<Void> done) {
        if (closed) {
            return;
        }
        try {
            UnixSockets.clearStaleDatagram("filename", path);
        } catch (final RuntimeException e) {
            failOrRetry(done, e);
            return;
        }
        final EventLoop loop = ctx.transport().group().next();
        final boolean singleton = spec.singleton();
        final Path peer = singleton ? UnixSockets.path(spec.connect()) : null;
        final UnixStreamProtocol.PathStage[] stage = new UnixStreamProtocol.PathStage[1];
        final Bootstrap b = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UnixDatagramProtocol.MAX_DATAGRAM))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (singleton) {
                            ch.pipeline().addLast(DomainPacketDecoder.INSTANCE);
                            stage[0] = new UnixStreamProtocol.PathStage(ch, StreamKind.DATAGRAM, peer);
                        } else {
                            ch.pipeline().addLast(new UnixDatagramDemux(UnixDatagramListener.this, ch));
                        }
                    }
                });
        final DomainSocketAddress local = new DomainSocketAddress(path.toString());
        final ChannelFuture cf = singleton ? b.connect(new DomainSocketAddress(peer.toString()), local) : b.bind(local);
        cf.addListener((ChannelFuture f) -> {
            final Channel ch = f.channel();
            if (!f.isSuccess()) {
                ch.close();
                failOrRetry(done, new IllegalStateException("filename: cannot " + (singleton ? "connect \"" + path
                        + "\" to \"" + peer + "\": " : "bind \"" + path + "\": ") + f.cause().getMessage(), f.cause()));
                return;
            }
            socket = ch;
            ch.closeFuture().addListener(x -> {
                UnixSockets.deleteSocket(path);
                if (singleton && !closed) {
                    loop.schedule(() -> open(null), SINGLETON_RESTART_MILLIS, TimeUnit.MILLISECONDS);
                }
            });
            if (closed) {
                ch.close();
            }
            if (done != null) {
                done.complete(null);
            }
            if (singleton) {
                logger.debug("listener {}: {} connected to {}", ctx.name(), path, peer);
                ctx.newSession(nextSessionName(), metadata(peer.toString()), stage[0]);
            } else {
                logger.debug("listener {}: bound {}", ctx.name(), path);
            }
        });
    }

    private void failOrRetry(@Nullable CompletableFuture<Void> done, RuntimeException e) {
        if (done != null) {
            done.completeExceptionally(e);
        } else if (!closed) {
            logger.warn("listener {}: cannot reopen singleton socket: {}", ctx.name(), e.getMessage());
            ctx.transport().group().schedule(() -> open(null), SINGLETON_RESTART_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public @Nullable SocketAddress localAddress() {
        final Channel s = socket;
        return s == null ? null : s.localAddress();
    }

    @Override
    public CompletableFuture<Void> close() {
        closed = true;
        final Channel s = socket;
        socket = null;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (s == null) {
            done.complete(null);
        } else {
            s.close().addListener(f -> {
                UnixSockets.deleteSocket(path);
                done.complete(null);
            });
        }
        return done;
    }
}
