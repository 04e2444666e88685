package io.l7mp.internal.protocol.sctp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.protocol.Net;
import io.l7mp.protocol.SctpSpec;
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
import io.l7mp.spi.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.sctp.SctpChannel;
import io.netty.channel.sctp.SctpChannelOption;
import io.netty.channel.sctp.nio.NioSctpChannel;
import io.netty.channel.sctp.nio.NioSctpServerChannel;
import io.netty.handler.codec.sctp.SctpMessageCompletionHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SCTP}: a datagram-stream listener (one session per association) and cluster over Netty's NIO SCTP transport
 * (the JDK's {@code com.sun.nio.sctp}, which needs libsctp and a kernel with SCTP). Whether SCTP works is found out
 * once, lazily, by opening an SCTP socket; where it does not, the provider reports itself unavailable with the reason.
 * Its channels need NIO event loops: on the native transport, listeners and clusters fail with a clear error.
 */
public final class SctpProtocol implements ProtocolProvider {
    private static final Logger logger = LoggerFactory.getLogger(SctpProtocol.class);

    @Override
    public String name() {
        return "SCTP";
    }

    @Override
    public boolean isAvailable() {
        return Probe.REASON.isEmpty();
    }

    @Override
    public String unavailableReason() {
        return Probe.REASON;
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return SctpSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
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
    public void validate(ProtocolSpec spec, boolean listener) {
        if (listener && ((SctpSpec) spec).port() == null) {
            throw new IllegalArgumentException("port: missing (expected: 0-65535)");
        }
    }

    /** Returns why SCTP cannot run on this transport, or null when it can. */
    static @Nullable String nioRequired(Transport t) {
        if (!Probe.REASON.isEmpty()) {
            return Probe.REASON;
        }
        return t.isNative() ? "SCTP: Netty has SCTP channels for NIO event loops only, but this proxy runs on "
                + t.name() + " (start it with -Dl7mp.transport=nio or give it a NIO event loop group)" : null;
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new SctpListener(ctx, (SctpSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final SctpSpec spec = (SctpSpec) ctx.spec();
        return r -> connect(ctx, spec, r);
    }

    private static Future<Stage> connect(ClusterContext ctx, SctpSpec spec, ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        final String why = nioRequired(ctx.transport());
        if (why != null) {
            return p.setFailure(new SessionError(501, why));
        }
        final InetSocketAddress remote;
        try {
            remote = Net.remote(r.endpoint(), spec.port());
        } catch (final SessionError e) {
            return p.setFailure(e);
        }
        final ChannelStage[] stage = new ChannelStage[1];
        final int streamId = spec.streamId() == null ? 0 : spec.streamId();
        final int ppid = spec.ppid() == null ? 0 : spec.ppid();
        final Bootstrap b = new Bootstrap().group(r.eventLoop()).channel(NioSctpChannel.class)
                .option(SctpChannelOption.SCTP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, r.timeoutMillis()))
                .handler(new ChannelInitializer<SctpChannel>() {
                    @Override
                    protected void initChannel(SctpChannel ch) {
                        ch.pipeline().addLast(new SctpMessageCompletionHandler(), new SctpCodec(streamId, ppid, null));
                        stage[0] = new ChannelStage(ch, StreamKind.DATAGRAM);
                    }
                });
        final ChannelFuture cf = spec.bind() == null ? b.connect(remote)
                : b.connect(remote, Net.bindAddress(spec.bind().address(), spec.bind().port()));
        cf.addListener(f -> {
            if (f.isSuccess()) {
                if (!p.trySuccess(stage[0])) {
                    cf.channel().close();
                }
            } else {
                p.tryFailure(new SessionError(502, "cannot connect to " + remote + ": " + f.cause().getMessage(),
                        f.cause()));
            }
        });
        return p;
    }

    /** Accepts associations; a session starts with an association's first message. */
    private static final class SctpListener implements Listener {
        private final ListenerContext ctx;
        private final SctpSpec spec;
        private volatile @Nullable Channel server;

        SctpListener(ListenerContext ctx, SctpSpec spec) {
            this.ctx = ctx;
            this.spec = spec;
        }

        @Override
        public CompletableFuture<Void> start() {
            final CompletableFuture<Void> done = new CompletableFuture<>();
            final String why = nioRequired(ctx.transport());
            if (why != null) {
                done.completeExceptionally(new IllegalStateException(why));
                return done;
            }
            final ServerBootstrap b = new ServerBootstrap().group(ctx.transport().group())
                    .channel(NioSctpServerChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(SctpChannelOption.SCTP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SctpChannel>() {
                        @Override
                        protected void initChannel(SctpChannel ch) {
                            accept(ch);
                        }
                    });
            b.bind(Net.bindAddress(spec.address(), spec.port())).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    server = f.channel();
                    done.complete(null);
                } else {
                    done.completeExceptionally(f.cause());
                }
            });
            return done;
        }

        private void accept(SctpChannel ch) {
            final ChannelStage[] stage = new ChannelStage[1];
            ch.pipeline().addLast(new SctpMessageCompletionHandler(), new SctpCodec(0, 0, (streamId, ppid) -> {
                final SocketAddress remote = ch.remoteAddress();
                final SocketAddress local = ch.localAddress();
                final ObjectNode md = Net.ipMetadata("SCTP", remote, local);
                ((ObjectNode) md.get("SCTP")).put("stream_id", streamId).put("ppid", ppid);
                logger.debug("listener {}: association from {}", ctx.name(), remote);
                ctx.newSession("SCTP:" + Net.tuple(remote, local), md, stage[0]);
            }));
            stage[0] = new ChannelStage(ch, StreamKind.DATAGRAM);
        }

        @Override
        public @Nullable SocketAddress localAddress() {
            final Channel s = server;
            return s == null ? null : s.localAddress();
        }

        @Override
        public CompletableFuture<Void> close() {
            final Channel s = server;
            final CompletableFuture<Void> done = new CompletableFuture<>();
            if (s == null) {
                done.complete(null);
            } else {
                s.close().addListener(f -> done.complete(null));
            }
            return done;
        }
    }

    /** Opens one SCTP socket, once, the first time anyone asks whether SCTP works. */
    static final class Probe {
        static final String REASON = probe();

        private Probe() {
        }

        private static String probe() {
            try {
                com.sun.nio.sctp.SctpChannel.open().close();
                return "";
            } catch (final UnsupportedOperationException e) {
                // The JDK found no libsctp, so the kernel was not even asked: look at what it exposes.
                final String lib = "the JDK cannot load libsctp.so.1 from lksctp-tools (" + e.getMessage() + ")";
                return Files.isDirectory(Path.of("/proc/sys/net/sctp")) ? "SCTP: " + lib
                        : "SCTP: the kernel has no SCTP support (no /proc/sys/net/sctp), and " + lib;
            } catch (final IOException e) {
                return "SCTP: the kernel has no SCTP support (" + e.getMessage() + ")";
            } catch (final LinkageError e) {
                return "SCTP: this Java runtime has no SCTP support (module jdk.sctp: " + e + ")";
            } catch (final RuntimeException e) {
                return "SCTP: cannot open an SCTP socket (" + e + ")";
            }
        }
    }
}
