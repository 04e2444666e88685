package io.l7mp.internal.protocol.unix;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.HoldingChannelStage;
import io.l7mp.internal.protocol.framing.FrameCodec;
import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.UnixSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.ChannelStage;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code UnixDomainSocket}: a Unix stream socket listener (one session per connection, named
 * {@code UNIX:<listener>-<n>}, metadata {@code UNIX: {filename}}) and cluster (endpoint address = socket path). Uses
 * epoll's domain socket channels on the native transport and the JDK's Unix sockets (through Netty's NIO channels)
 * otherwise.
 */
public final class UnixStreamProtocol implements ProtocolProvider {
    private static final Logger logger = LoggerFactory.getLogger(UnixStreamProtocol.class);
    private static final String HANDSHAKE_GUARD = "l7mp-tls-guard";

    @Override
    public String name() {
        return "UnixDomainSocket";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("UNIX/stream");
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return UnixSpec.class;
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
    public Map<String, String> localPaths(ProtocolSpec spec) {
        final UnixSpec s = (UnixSpec) spec;
        final Map<String, String> m = new LinkedHashMap<>(Tls.paths(s.tls()));
        if (s.filename() != null) {
            m.put("filename", s.filename());
        }
        return m;
    }

    @Override
    public boolean endpointsAreLocalPaths(ProtocolSpec spec) {
        return true;
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        final UnixSpec s = (UnixSpec) spec;
        Tls.validate(s.tls(), listener);
        if (listener) {
            if (s.filename() == null) {
                throw new IllegalArgumentException("filename: missing (expected: the socket path to listen on)");
            }
            UnixSockets.checkLength("filename", UnixSockets.path(s.filename()));
        }
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new UnixStreamListener(ctx, (UnixSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final UnixSpec spec = (UnixSpec) ctx.spec();
        return Tls.cluster(spec.tls(), false, (ssl, request) -> connect(ctx, spec, ssl, request));
    }

    private static Future<Stage> connect(ClusterContext ctx, UnixSpec spec, @Nullable SslContext ssl,
                                         ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        if (r.endpoint() == null) {
            return p.setFailure(new SessionError(404, "No endpoint in cluster"));
        }
        final Path path = UnixSockets.path(r.endpoint().spec().address());
        try {
            UnixSockets.checkLength("address", path);
        } catch (final IllegalArgumentException e) {
            return p.setFailure(new SessionError(400, e.getMessage()));
        }
        final ChannelStage[] stage = new ChannelStage[1];
        final Bootstrap b = new Bootstrap().group(r.eventLoop()).channel(UnixSockets.channelType(ctx.transport()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, r.timeoutMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl == null) {
                            stage[0] = new PathStage(ch, FrameCodec.install(ch, spec.framing()), path);
                        } else {
                            ch.pipeline().addLast(Tls.HANDLER_NAME, ssl.newHandler(ch.alloc()));
                            stage[0] = new TlsPathStage(ch, FrameCodec.install(ch, spec.framing()), path);
                        }
                    }
                });
        final ChannelFuture cf = b.connect(UnixSockets.address(ctx.transport(), path));
        cf.addListener(f -> {
            if (f.isSuccess() && ssl != null) {
                // Auto-read is off until the session binds the stage: the handshake needs a first read to get going.
                cf.channel().read();
                cf.channel().pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                    if (!h.isSuccess()) {
                        p.tryFailure(new SessionError(502, "TLS handshake with " + path + " failed: "
                                + h.cause().getMessage(), h.cause()));
                        cf.channel().close();
                    } else if (!p.trySuccess(stage[0])) {
                        cf.channel().close();
                    }
                });
            } else if (f.isSuccess()) {
                if (!p.trySuccess(stage[0])) {
                    cf.channel().close();
                }
            } else {
                p.tryFailure(new SessionError(502, "cannot connect to " + path + ": " + f.cause().getMessage(),
                        f.cause()));
            }
        });
        return p;
    }

    /** A channel stage that describes itself by its socket path (Unix peers have no address of their own). */
    static final class PathStage extends ChannelStage {
        private final Path path;

        PathStage(Channel channel, StreamKind kind, Path path) {
            super(channel, kind);
            this.path = path;
        }

        @Override
        public String describe() {
            return path.toString();
        }
    }

    /** A TLS channel stage: keeps what the handshake's last read carried, describes itself by its socket path. */
    static final class TlsPathStage extends HoldingChannelStage {
        private final Path path;

        TlsPathStage(Channel channel, StreamKind kind, Path path) {
            super(channel, kind);
            this.path = path;
        }

        @Override
        public String describe() {
            return path.toString();
        }
    }

    /** Listens on a socket file; each accepted channel's loop becomes its session's loop. */
    private static final class UnixStreamListener implements Listener {
        private final ListenerContext ctx;
        private final UnixSpec spec;
        private final Path path;
        private final AtomicInteger sequence = new AtomicInteger();
        private volatile @Nullable Channel server;
        private volatile @Nullable SslContext ssl;

        UnixStreamListener(ListenerContext ctx, UnixSpec spec) {
            this.ctx = ctx;
            this.spec = spec;
            this.path = UnixSockets.path(spec.filename());
        }

        @Override
        public CompletableFuture<Void> start() {
            final CompletableFuture<Void> done = new CompletableFuture<>();
            try {
                if (spec.tls() != null) {
                    ssl = Tls.serverContext(spec.tls());
                }
                UnixSockets.clearStaleStream("filename", path);
            } catch (final RuntimeException e) {
                done.completeExceptionally(e);
                return done;
            }
            final ServerBootstrap b = new ServerBootstrap().group(ctx.transport().group())
                    .channel(UnixSockets.serverChannelType(ctx.transport()))
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accept(ch);
                        }
                    });
            b.bind(UnixSockets.address(ctx.transport(), path)).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    server = f.channel();
                    logger.debug("listener {}: listening on {}", ctx.name(), path);
                    done.complete(null);
                } else {
                    done.completeExceptionally(new IllegalStateException("filename: cannot bind \"" + path + "\": "
                            + f.cause().getMessage(), f.cause()));
                }
            });
            return done;
        }

        private void accept(Channel ch) {
            final SslContext s = ssl;
            if (s == null) {
                startSession(new PathStage(ch, FrameCodec.install(ch, spec.framing()), path));
                return;
            }
            final SslHandler tls = s.newHandler(ch.alloc());
            ch.pipeline().addLast(Tls.HANDLER_NAME, tls).addLast(HANDSHAKE_GUARD, new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                    // The handshake listener below logs the failure; the TLS handler closes the connection.
                }
            });
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    ch.pipeline().remove(HANDSHAKE_GUARD);
                    startSession(new TlsPathStage(ch, FrameCodec.install(ch, spec.framing()), path));
                } else {
                    logger.debug("listener {}: TLS handshake on {} failed: {}", ctx.name(), path,
                            f.cause().toString());
                    ch.close();
                }
            });
            // Auto-read is off: the first read starts the handshake, the TLS handler reads on until it is done.
            ch.read();
        }

        private void startSession(ChannelStage stage) {
            final ObjectNode md = JsonNodeFactory.instance.objectNode();
            md.putObject("UNIX").put("filename", path.toString());
            logger.debug("listener {}: connection on {}", ctx.name(), path);
            ctx.newSession("UNIX:" + ctx.name() + "-" + sequence.getAndIncrement(), md, stage);
        }

        @Override
        public @Nullable SocketAddress localAddress() {
            final Channel s = server;
            return s == null ? null : s.localAddress();
        }

        @Override
        public CompletableFuture<Void> close() {
            final Channel s = server;
            server = null;
            final CompletableFuture<Void> done = new CompletableFuture<>();
            if (s == null) {
                done.complete(null);
            } else {
                s.close().addListener(f -> {
                    // Epoll removes the file itself; the JDK's channel does not.
                    UnixSockets.deleteSocket(path);
                    done.complete(null);
                });
            }
            return done;
        }
    }
}
