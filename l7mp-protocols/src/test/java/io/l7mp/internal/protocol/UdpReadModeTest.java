package io.l7mp.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.l7mp.testing.Await;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real epoll UDP socket with {@link UdpReadMode}: datagrams that come one at a time are read singly, a backlog is
 * read in batches again, and in both modes every datagram arrives whole, up to 64 KiB.
 */
class UdpReadModeTest {
    private EventLoopGroup group;
    private Channel server;
    private UdpReadMode mode;
    private final List<Integer> sizes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean paused = new AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Epoll.isAvailable(), "UdpReadMode is for epoll sockets; epoll is not available here");
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        mode = new UdpReadMode();
        server = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(io.netty.channel.ChannelOption.SO_RCVBUF, 1 << 20)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        mode.install(ctx.channel());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        mode.datagram();
                        final DatagramPacket p = (DatagramPacket) msg;
                        sizes.add(p.content().readableBytes());
                        p.release();
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        mode.readComplete(ctx.channel());
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void singleDatagramsSwitchToSingleReadsAndABacklogSwitchesBack() throws Exception {
        final InetSocketAddress to = (InetSocketAddress) server.localAddress();
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertThat(mode.batching()).isTrue();
            // One at a time, each read before the next is sent: every batch read finds a single datagram.
            for (int i = 0; i < 20; i++) {
                send(client, to, 100);
                final int n = i + 1;
                Await.until(Duration.ofSeconds(5), "datagram " + n, () -> sizes.size() == n);
            }
            Await.until(Duration.ofSeconds(5), "single reads", () -> !mode.batching());
            // Read singly, a datagram still arrives whole, up to the largest UDP payload.
            send(client, to, 65_507);
            Await.until(Duration.ofSeconds(5), "the big datagram", () -> sizes.size() == 21);
            assertThat(sizes.get(20)).isEqualTo(65_507);
            // A backlog: the loop is held while datagrams queue up, so the probing batch read finds many.
            server.eventLoop().execute(() -> {
                paused.set(true);
                while (paused.get()) {
                    Thread.onSpinWait();
                }
            });
            Await.until(Duration.ofSeconds(5), "the loop to be held", paused::get);
            // More than the datagrams between two probes, and few enough for the socket's receive buffer.
            for (int i = 0; i < 150; i++) {
                send(client, to, 200);
            }
            paused.set(false);
            Await.until(Duration.ofSeconds(5), "the backlog", () -> sizes.size() == 171);
            // 64 single reads at most, then a batch read that finds the rest of the backlog waiting.
            assertThat(mode.batching()).isTrue();
            send(client, to, 65_507);
            Await.until(Duration.ofSeconds(5), "the big datagram in batch mode", () -> sizes.size() == 172);
            assertThat(sizes.get(171)).isEqualTo(65_507);
            assertThat(sizes.subList(21, 171)).containsOnly(200);
        }
    }

    private static void send(DatagramSocket s, InetSocketAddress to, int size) throws Exception {
        s.send(new java.net.DatagramPacket(new byte[size], size, to));
    }
}
