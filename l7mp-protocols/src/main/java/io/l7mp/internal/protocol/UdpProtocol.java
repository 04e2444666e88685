package io.l7mp.internal.protocol;

import io.l7mp.protocol.UdpSpec;
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
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * {@code UDP}: a datagram-stream listener (singleton or server mode) and cluster (one connected socket per stage).
 * Datagrams up to 64 KiB keep their boundaries end to end.
 */
public final class UdpProtocol implements ProtocolProvider {
    /** Receive buffers hold a whole datagram, so nothing is ever truncated. */
    static final int MAX_DATAGRAM = 65536;

    @Override
    public String name() {
        return "UDP";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return UdpSpec.class;
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
    public void validate(ProtocolSpec spec, boolean listener) {
        final UdpSpec s = (UdpSpec) spec;
        if (listener && s.port() == null) {
            throw new IllegalArgumentException("port: missing (expected: 0-65535)");
        }
        if (listener && s.options() != null && "singleton".equals(s.options().mode())
                && (s.connect() == null || s.connect().address() == null || s.connect().port() == null)) {
            throw new IllegalArgumentException("connect: missing (expected: {address, port} for singleton mode)");
        }
    }

    @Override
    public Listener newListener(ListenerContext ctx) {
        return new UdpListener(ctx, (UdpSpec) ctx.spec());
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final UdpSpec spec = (UdpSpec) ctx.spec();
        return request -> connect(ctx, spec, request);
    }

    private static Future<Stage> connect(ClusterContext ctx, UdpSpec spec, ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        final InetSocketAddress remote;
        try {
            remote = Net.remote(r.endpoint(), spec.port());
        } catch (final SessionError e) {
            return p.setFailure(e);
        }
        if (remote.isUnresolved()) {
            return p.setFailure(new SessionError(502, "cannot resolve " + remote.getHostString()));
        }
        final ChannelStage[] stage = new ChannelStage[1];
        final Bootstrap b = new Bootstrap().group(r.eventLoop()).channel(ctx.transport().datagramChannelType())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        if (ctx.transport().isNative()) {
                            // Replies queue up under load: read them in batches then, singly otherwise.
                            final UdpReadMode mode = new UdpReadMode();
                            mode.install(ch);
                            ch.pipeline().addLast(mode.counter());
                            if (UdpSegmenter.ENABLED) {
                                ch.pipeline().addLast(new UdpSegmenter());
                            }
                        }
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
                p.tryFailure(new SessionError(502, "cannot open UDP socket to " + remote + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        return p;
    }

    /** Returns the channel's remote or null. */
    static @Nullable InetSocketAddress remoteOf(Channel ch) {
        return (InetSocketAddress) ch.remoteAddress();
    }
}
