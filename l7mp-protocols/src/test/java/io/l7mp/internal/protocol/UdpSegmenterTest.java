package io.l7mp.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.l7mp.testing.Await;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link UdpSegmenter} on real epoll sockets: runs of same-sized datagrams leave as one segmented send, and the
 * receiver, a plain JDK socket, still gets every datagram whole, in order, with its own boundaries.
 */
class UdpSegmenterTest {
    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final List<DatagramSocket> sockets = new ArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        assumeTrue(UdpSegmenter.ENABLED, "UDP_SEGMENT is not available on this kernel or transport");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws Exception {
        for (final Channel c : channels) {
            c.close().sync();
        }
        for (final DatagramSocket s : sockets) {
            s.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void runsOfEqualSizeLeaveJoinedAndArriveAsTheSameDatagrams(String host) throws Exception {
        final DatagramSocket receiver = receiver(host);
        final UdpSegmenter seg = new UdpSegmenter();
        final Channel ch = connected(seg, (InetSocketAddress) receiver.getLocalSocketAddress(), false);
        // 10 x 100 and a shorter one that ends the run; 3 x 100; one too big to join; 2 x 1232 (the largest joined).
        final int[] sizes = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 40, 100, 100, 100, 1300, 1232, 1232};
        write(ch, sizes, null);
        for (int i = 0; i < sizes.length; i++) {
            assertDatagram(receiver, i, sizes[i]);
        }
        assertThat(seg.joinedSends()).isEqualTo(3);
        assertThat(seg.stopped()).isFalse();
        assertThat(errors).isEmpty();
    }

    @Test
    void aRunStopsAtAnotherDestinationAndAtALargerDatagram() throws Exception {
        final DatagramSocket a = receiver("127.0.0.1");
        final DatagramSocket b = receiver("127.0.0.1");
        final InetSocketAddress ta = (InetSocketAddress) a.getLocalSocketAddress();
        final InetSocketAddress tb = (InetSocketAddress) b.getLocalSocketAddress();
        final UdpSegmenter seg = new UdpSegmenter();
        final Channel ch = unconnected(seg);
        // a a | b b b | a | a (larger than the run's size) a: three joined sends, two single ones.
        final InetSocketAddress[] to = {ta, ta, tb, tb, tb, ta, ta, ta};
        final int[] sizes = {64, 64, 80, 80, 80, 64, 65, 65};
        write(ch, sizes, to);
        assertDatagram(a, 0, 64);
        assertDatagram(a, 1, 64);
        assertDatagram(a, 5, 64);
        assertDatagram(a, 6, 65);
        assertDatagram(a, 7, 65);
        assertDatagram(b, 2, 80);
        assertDatagram(b, 3, 80);
        assertDatagram(b, 4, 80);
        assertThat(seg.joinedSends()).isEqualTo(3);
    }

    @Test
    void aSegmentedSendTheKernelRefusesIsSentAgainDatagramByDatagram() throws Exception {
        final DatagramSocket receiver = receiver("127.0.0.1");
        final UdpSegmenter seg = new UdpSegmenter();
        // SO_NO_CHECK (no UDP checksum) makes the kernel refuse UDP_SEGMENT with EINVAL, as a route without checksum
        // offload would.
        final Channel ch = connected(seg, (InetSocketAddress) receiver.getLocalSocketAddress(), true);
        final int[] sizes = {100, 100, 100, 100};
        write(ch, sizes, null);
        for (int i = 0; i < sizes.length; i++) {
            assertDatagram(receiver, i, sizes[i]);
        }
        assertThat(seg.stopped()).isTrue();
        // From now on the channel sends singly.
        write(ch, sizes, null);
        for (int i = 0; i < sizes.length; i++) {
            assertDatagram(receiver, i, sizes[i]);
        }
        assertThat(seg.joinedSends()).isEqualTo(1);
        assertThat(errors).isEmpty();
    }

    @Test
    void anErrorOfAJoinedSendReachesThePipeline() throws Exception {
        // A port nobody listens on: the first datagram draws an ICMP port unreachable, the next send fails.
        final InetSocketAddress closed;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            closed = (InetSocketAddress) s.getLocalSocketAddress();
        }
        final UdpSegmenter seg = new UdpSegmenter();
        final Channel ch = connected(seg, closed, false);
        Await.until(Duration.ofSeconds(5), "a send to fail with ECONNREFUSED", () -> {
            try {
                write(ch, new int[] {100, 100}, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return !errors.isEmpty();
        });
        assertThat(errors.get(0)).isInstanceOfAny(PortUnreachableException.class, java.io.IOException.class);
        assertThat(errors.get(0).getMessage()).containsIgnoringCase("refused");
    }

    @Test
    void writesWithAPromiseKeepTheirPlaceAndHeldDatagramsAreReleasedOnClose() throws Exception {
        final DatagramSocket receiver = receiver("127.0.0.1");
        final UdpSegmenter seg = new UdpSegmenter();
        final Channel ch = connected(seg, (InetSocketAddress) receiver.getLocalSocketAddress(), false);
        final ChannelFuture[] third = new ChannelFuture[1];
        ch.eventLoop().submit(() -> {
            ch.write(datagram(0, 100), ch.voidPromise());
            ch.write(datagram(1, 100), ch.voidPromise());
            third[0] = ch.write(datagram(2, 100));
            ch.write(datagram(3, 100), ch.voidPromise());
            ch.flush();
        }).sync();
        for (int i = 0; i < 4; i++) {
            assertDatagram(receiver, i, 100);
        }
        assertThat(third[0].sync().isSuccess()).isTrue();
        assertThat(seg.joinedSends()).isEqualTo(1);
        // Written, never flushed, then closed: released (the leak detector runs at PARANOID).
        ch.eventLoop().submit(() -> {
            ch.write(datagram(4, 100), ch.voidPromise());
            ch.write(datagram(5, 100), ch.voidPromise());
            ch.close();
        }).sync();
        ch.closeFuture().sync();
    }

    private DatagramSocket receiver(String host) throws Exception {
        final DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        s.setSoTimeout(5000);
        s.setReceiveBufferSize(1 << 20);
        sockets.add(s);
        return s;
    }

    private Channel connected(UdpSegmenter seg, InetSocketAddress to, boolean noChecksum) throws Exception {
        final Bootstrap b = bootstrap(seg);
        if (noChecksum) {
            b.option(new IntegerUnixChannelOption("SO_NO_CHECK", 1 /* SOL_SOCKET */, 11 /* SO_NO_CHECK */), 1);
        }
        final Channel ch = b.connect(to).sync().channel();
        channels.add(ch);
        return ch;
    }

    private Channel unconnected(UdpSegmenter seg) throws Exception {
        final Channel ch = bootstrap(seg).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        channels.add(ch);
        return ch;
    }

    private Bootstrap bootstrap(UdpSegmenter seg) {
        return new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(seg, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                errors.add(cause);
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                io.netty.util.ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                });
    }

    /** Writes datagrams of the given sizes (numbered from 0) on the channel's loop and flushes once. */
    private static void write(Channel ch, int[] sizes, InetSocketAddress[] to) throws Exception {
        ch.eventLoop().submit(() -> {
            for (int i = 0; i < sizes.length; i++) {
                final ByteBuf d = datagram(i, sizes[i]);
                ch.write(to == null ? d : new DatagramPacket(d, to[i]), ch.voidPromise());
            }
            ch.flush();
        }).sync();
    }

    /** A datagram that says which one it is: its number, then its number repeated as filler. */
    private static ByteBuf datagram(int n, int size) {
        final ByteBuf b = Unpooled.directBuffer(size);
        b.writeInt(n);
        while (b.writerIndex() < size) {
            b.writeByte(n);
        }
        return b;
    }

    private static void assertDatagram(DatagramSocket s, int n, int size) throws Exception {
        final byte[] buf = new byte[2048];
        final java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
        s.receive(p);
        final ByteBuf expected = datagram(n, size);
        try {
            final byte[] want = new byte[size];
            expected.readBytes(want);
            assertThat(p.getLength()).as("size of datagram %d", n).isEqualTo(size);
            assertThat(java.util.Arrays.copyOf(buf, p.getLength())).as("datagram %d", n).isEqualTo(want);
        } finally {
            expected.release();
        }
    }
}
