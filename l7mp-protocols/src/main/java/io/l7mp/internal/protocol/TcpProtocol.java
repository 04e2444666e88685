package io.l7mp.internal.protocol;

import io.l7mp.internal.protocol.framing.FrameCodec;
import io.l7mp.internal.protocol.tls.Tls;
import io.l7mp.protocol.Framing;
import io.l7mp.protocol.TcpSpec;
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
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TCP}: a byte-stream listener (one session per connection) and cluster. Nagle is off both ways. With
 * {@code framing: length-prefixed} the stream carries length-prefixed messages and its stages keep boundaries. With a
 * {@code tls} block both sides speak TLS (framing runs inside it); a listener starts the session only once the
 * handshake succeeded.
 */
public final class TcpProtocol implements ProtocolProvider {
    private static final Logger logger = LoggerFactory.getLogger(TcpProtocol.class);
    private static final String HANDSHAKE_GUARD = "l7mp-tls-guard";

    @Override
    public String name() {
        return "TCP";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return TcpSpec.class;
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
        return Tls.paths(((TcpSpec) spec).tls());
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        final TcpSpec s = (TcpSpec) spec;
        if (listener && s.port() == null) {
            throw new IllegalArgumentException("port: missing (expected: 0-65535)");
        }
        Tls.validate(s.tls(), listener);
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new TcpListener(ctx, (TcpSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final TcpSpec spec = (TcpSpec) ctx.spec();
        return Tls.cluster(spec.tls(), true, (ssl, request) -> connect(ctx, spec, ssl, request));
    }

    private static Future<Stage> connect(ClusterContext ctx, TcpSpec spec, @Nullable SslContext ssl,
                                         ConnectRequest r) {
        final InetSocketAddress remote;
        try {
            remote = Net.remote(r.endpoint(), spec.port());
        } catch (final SessionError e) {
            return r.eventLoop().<Stage>newPromise().setFailure(e);
        }
        if (ssl == null && spec.bind() == null && spec.framing() != Framing.LENGTH_PREFIXED && !remote.isUnresolved()
                && RawTcpStage.usable(r.eventLoop())) {
            return RawTcpStage.connect(r.eventLoop(), remote, r.timeoutMillis());
        }
        final Promise<Stage> p = r.eventLoop().newPromise();
        // A channel made and connected by hand, not through a Bootstrap: per connection that spares an options map,
        // a channel initializer that removes itself from the pipeline, a resolver lookup and a deferred connect task,
        // and the JIT compiles less before new connections run at full speed.
        final Channel ch;
        try {
            ch = spec.bind() == null && remote.getAddress() instanceof Inet4Address
                    && ctx.transport().socketChannelType() == EpollSocketChannel.class
                    // An IPv4 socket for an IPv4 peer: Netty's dual-stack default costs a setsockopt per connection.
                    ? new EpollSocketChannel(SocketProtocolFamily.INET)
                    : newChannel(ctx.transport().socketChannelType());
        } catch (final RuntimeException e) {
            return p.setFailure(new SessionError(502, "cannot open a socket to " + Net.hostPort(remote) + ": "
                    + e.getMessage(), e));
        }
        // TCP_NODELAY is Netty's default on every platform we run on: setting it again costs a syscall per socket.
        ch.config().setConnectTimeoutMillis((int) Math.min(Integer.MAX_VALUE, r.timeoutMillis()));
        final ChannelStage stage;
        if (ssl == null) {
            stage = new ChannelStage(ch, FrameCodec.install(ch, spec.framing()));
        } else {
            ch.pipeline().addLast(Tls.HANDLER_NAME, Tls.clientHandler(ssl, ch, remote));
            stage = new HoldingChannelStage(ch, FrameCodec.install(ch, spec.framing()));
        }
        r.eventLoop().register(ch).addListener(reg -> {
            if (!reg.isSuccess()) {
                ch.unsafe().closeForcibly();
                p.tryFailure(new SessionError(502, "cannot register a socket to " + Net.hostPort(remote) + ": "
                        + reg.cause().getMessage(), reg.cause()));
                return;
            }
            whenConnected(spec.bind() == null ? ch.connect(remote)
                    : ch.connect(remote, Net.bindAddress(spec.bind().address(), spec.bind().port())),
                    ssl, remote, stage, p);
        });
        return p;
    }

    private static Channel newChannel(Class<? extends Channel> type) {
        try {
            return type.getConstructor().newInstance();
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make a " + type.getSimpleName(), e);
        }
    }

    private static void whenConnected(ChannelFuture cf, @Nullable SslContext ssl, InetSocketAddress remote,
                                      ChannelStage stage, Promise<Stage> p) {
        cf.addListener(f -> {
            if (f.isSuccess() && ssl != null) {
                // Auto-read is off until the session binds the stage: the handshake needs a first read to get going
                // (the TLS handler keeps reading by itself until it is done).
                cf.channel().read();
                cf.channel().pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                    if (!h.isSuccess()) {
                        p.tryFailure(new SessionError(502, "TLS handshake with " + remote + " failed: "
                                + h.cause().getMessage(), h.cause()));
                        cf.channel().close();
                    } else if (!p.trySuccess(stage)) {
                        cf.channel().close();
                    }
                });
            } else if (f.isSuccess()) {
                if (!p.trySuccess(stage)) {
                    cf.channel().close();
                }
            } else {
                // A failed connect leaves the socket open (a Bootstrap would close it): every refused attempt would
                // keep a file descriptor until the process ran out of them.
                cf.channel().close();
                final Throwable c = f.cause();
                p.tryFailure(Net.connectFailure(remote, c, c instanceof ConnectException ? 502 : 504));
            }
        });
    }

    /** Accepts connections on the proxy's loops; each accepted channel's loop becomes its session's loop. */
    private static final class TcpListener implements Listener {
        private final ListenerContext ctx;
        private final TcpSpec spec;
        private final List<Channel> servers = new CopyOnWriteArrayList<>();
        private final List<RawTcpAcceptor> raw = new CopyOnWriteArrayList<>();
        private volatile @Nullable SslContext ssl;

        TcpListener(ListenerContext ctx, TcpSpec spec) {
            this.ctx = ctx;
            this.spec = spec;
        }

        @Override
        public CompletableFuture<Void> start() {
            final CompletableFuture<Void> done = new CompletableFuture<>();
            if (spec.tls() != null) {
                try {
                    ssl = Tls.serverContext(spec.tls());
                } catch (final IllegalArgumentException e) {
                    done.completeExceptionally(e);
                    return done;
                }
            }
            // With epoll, every loop gets its own accepting socket on the port (SO_REUSEPORT) and keeps the
            // connections it accepts: no hand-over of a new connection to another thread, and accepting scales with
            // the loops. NIO has no SO_REUSEPORT: one socket whose connections are spread over the loops.
            final List<EventLoop> loops = new ArrayList<>();
            for (final EventExecutor e : ctx.transport().group()) {
                loops.add((EventLoop) e);
                if (!ctx.transport().isNative()) {
                    break;
                }
            }
            final InetSocketAddress addr;
            try {
                addr = Net.bindAddress(spec.address(), spec.port());
                if (ctx.transport().isNative() && addr.getPort() != 0) {
                    requireFree(addr);
                }
            } catch (final IOException | IllegalArgumentException e) {
                done.completeExceptionally(e);
                return done;
            }
            if (spec.tls() == null && spec.framing() != Framing.LENGTH_PREFIXED
                    && RawTcpStage.usable(ctx.transport())) {
                bindRaw(loops, 0, addr, done);
            } else {
                bind(loops, 0, addr, done);
            }
            return done;
        }

        /** As {@link #bind}, with a {@link RawTcpAcceptor} on every loop instead of a Netty server channel. */
        private void bindRaw(List<EventLoop> loops, int i, InetSocketAddress addr, CompletableFuture<Void> done) {
            if (i == loops.size()) {
                done.complete(null);
                return;
            }
            RawTcpAcceptor.open(ctx.name(), loops.get(i), addr, this::startSession).whenComplete((a, e) -> {
                if (e != null) {
                    closeServers();
                    done.completeExceptionally(e);
                    return;
                }
                raw.add(a);
                bindRaw(loops, i + 1, i == 0 ? a.localAddress() : addr, done);
            });
        }

        private void startSession(RawTcpStage stage, InetSocketAddress local) {
            final InetSocketAddress remote = stage.remoteAddress();
            logger.debug("listener {}: connection from {}", ctx.name(), remote);
            Net.newSession(ctx, "TCP", remote, local, stage);
        }

        /**
         * Fails when a socket already listens on {@code addr}. SO_REUSEPORT, which gives every loop its own accepting
         * socket, would otherwise let this listener join another one on the same port (a second listener of this
         * proxy, or a second proxy started on the same config) and silently take half of its connections, where a
         * user expects "Address already in use". A probe socket without SO_REUSEPORT finds any listener there.
         */
        private static void requireFree(InetSocketAddress addr) throws IOException {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);  // as the listener's own sockets: TIME_WAIT connections do not count
                probe.bind(addr, 1);
            }
        }

        private void bind(List<EventLoop> loops, int i, InetSocketAddress addr, CompletableFuture<Void> done) {
            if (i == loops.size()) {
                done.complete(null);
                return;
            }
            final boolean reusePort = ctx.transport().isNative();
            final ServerBootstrap b = new ServerBootstrap()
                    .channel(ctx.transport().serverSocketChannelType())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accept(ch);
                        }
                    });
            if (reusePort) {
                b.group(loops.get(i), loops.get(i)).option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                b.group(ctx.transport().group());
            }
            b.bind(addr).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    closeServers();
                    done.completeExceptionally(f.cause());
                    return;
                }
                servers.add(f.channel());
                // Later sockets share the first one's port, which matters when the spec asked for port 0.
                bind(loops, i + 1, i == 0 ? (InetSocketAddress) f.channel().localAddress() : addr, done);
            });
        }

        private void accept(SocketChannel ch) {
            final SslContext s = ssl;
            if (s == null) {
                startSession(ch, new ChannelStage(ch, FrameCodec.install(ch, spec.framing())));
                return;
            }
            final SslHandler tls = Tls.serverHandler(s, ch);
            ch.pipeline().addLast(Tls.HANDLER_NAME, tls).addLast(HANDSHAKE_GUARD, new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                    // The handshake listener below logs the failure; the TLS handler closes the connection.
                }
            });
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    ch.pipeline().remove(HANDSHAKE_GUARD);
                    startSession(ch, new HoldingChannelStage(ch, FrameCodec.install(ch, spec.framing())));
                } else {
                    logger.debug("listener {}: TLS handshake with {} failed: {}", ctx.name(), ch.remoteAddress(),
                            f.cause().toString());
                    ch.close();
                }
            });
            // Auto-read is off: the first read starts the handshake, the TLS handler reads on until it is done.
            ch.read();
        }

        private void startSession(SocketChannel ch, ChannelStage stage) {
            final SocketAddress remote = ch.remoteAddress();
            final SocketAddress local = ch.localAddress();
            logger.debug("listener {}: connection from {}", ctx.name(), remote);
            Net.newSession(ctx, "TCP", remote, local, stage);
        }

        @Override
        public @Nullable SocketAddress localAddress() {
            if (!raw.isEmpty()) {
                return raw.get(0).localAddress();
            }
            final List<Channel> s = servers;
            return s.isEmpty() ? null : s.get(0).localAddress();
        }

        @Override
        public CompletableFuture<Void> close() {
            return closeServers();
        }

        private CompletableFuture<Void> closeServers() {
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (final Channel ch : servers) {
                final CompletableFuture<Void> f = new CompletableFuture<>();
                ch.close().addListener(x -> f.complete(null));
                fs.add(f);
            }
            servers.clear();
            for (final RawTcpAcceptor a : raw) {
                fs.add(a.closeAsync());
            }
            raw.clear();
            return CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0]));
        }
    }
}
