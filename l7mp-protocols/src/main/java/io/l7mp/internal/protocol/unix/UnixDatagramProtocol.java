package io.l7mp.internal.protocol.unix;

import io.l7mp.protocol.UnixDatagramSpec;
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
import io.l7mp.spi.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code UnixDomainDatagram} (alias {@code UNIX/dgram}): Unix datagram sockets, message boundaries kept. The listener
 * demultiplexes by peer socket path (server mode) or talks to one peer (singleton mode); the cluster opens a socket
 * per session, bound to a temporary path so that the endpoint can answer. Needs the native epoll transport: the JDK
 * has no Unix datagram sockets.
 */
public final class UnixDatagramProtocol implements ProtocolProvider {
    /** Receive buffers hold a whole message up to this size; longer messages are truncated by the kernel. */
    static final int MAX_DATAGRAM = 65536;

    @Override
    public String name() {
        return "UnixDomainDatagram";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("UNIX/dgram");
    }

    @Override
    public boolean isAvailable() {
        return Epoll.isAvailable();
    }

    @Override
    public String unavailableReason() {
        return Epoll.isAvailable() ? "" : "Unix datagram sockets need Netty's native epoll transport, which cannot "
                + "load here (" + Epoll.unavailabilityCause() + "); the JDK has no Unix datagram sockets";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return UnixDatagramSpec.class;
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
    public boolean connectProvesReachability() {
        return false;   // a datagram socket connects whether or not anybody listens
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public Map<String, String> localPaths(ProtocolSpec spec) {
        final UnixDatagramSpec s = (UnixDatagramSpec) spec;
        final Map<String, String> m = new LinkedHashMap<>();
        if (s.filename() != null) {
            m.put("filename", s.filename());
        }
        if (s.connect() != null) {
            m.put("connect", s.connect());
        }
        return m;
    }

    @Override
    public boolean endpointsAreLocalPaths(ProtocolSpec spec) {
        return true;
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        final UnixDatagramSpec s = (UnixDatagramSpec) spec;
        if (!listener) {
            return;
        }
        if (s.filename() == null) {
            throw new IllegalArgumentException("filename: missing (expected: the socket path to bind)");
        }
        UnixSockets.checkLength("filename", UnixSockets.path(s.filename()));
        if (s.connect() != null) {
            UnixSockets.checkLength("connect", UnixSockets.path(s.connect()));
        }
        if (s.singleton() && s.connect() == null) {
            throw new IllegalArgumentException("connect: missing (expected: the peer's socket path for singleton "
                    + "mode)");
        }
    }

    /** Returns why this transport cannot carry Unix datagrams, or null when it can. */
    static @Nullable String nativeRequired(Transport t) {
        return t.isNative() ? null : "UnixDomainDatagram needs the native epoll transport, but this proxy runs on "
                + t.name() + " (the JDK has no Unix datagram sockets)";
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new UnixDatagramListener(ctx, (UnixDatagramSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return request -> connect(ctx, request);
    }

    private static Future<Stage> connect(ClusterContext ctx, ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        final String why = nativeRequired(ctx.transport());
        if (why != null) {
            return p.setFailure(new SessionError(501, why));
        }
        if (r.endpoint() == null) {
            return p.setFailure(new SessionError(404, "No endpoint in cluster"));
        }
        final Path remote = UnixSockets.path(r.endpoint().spec().address());
        try {
            UnixSockets.checkLength("address", remote);
        } catch (final IllegalArgumentException e) {
            return p.setFailure(new SessionError(400, e.getMessage()));
        }
        final Path local = UnixSockets.tempSocketPath();
        final UnixStreamProtocol.PathStage[] stage = new UnixStreamProtocol.PathStage[1];
        final Bootstrap b = new Bootstrap().group(r.eventLoop()).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(DomainPacketDecoder.INSTANCE);
                        stage[0] = new UnixStreamProtocol.PathStage(ch, StreamKind.DATAGRAM, remote);
                        ch.closeFuture().addListener(x -> UnixSockets.deleteSocket(local));
                    }
                });
        final ChannelFuture cf = b.connect(new DomainSocketAddress(remote.toString()),
                new DomainSocketAddress(local.toString()));
        cf.addListener(f -> {
            if (f.isSuccess()) {
                if (!p.trySuccess(stage[0])) {
                    cf.channel().close();
                }
            } else {
                cf.channel().close();
                UnixSockets.deleteSocket(local);
                p.tryFailure(new SessionError(502, "cannot connect to " + remote + ": " + f.cause().getMessage(),
                        f.cause()));
            }
        });
        return p;
    }
}
