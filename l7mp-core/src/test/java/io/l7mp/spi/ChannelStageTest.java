package io.l7mp.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.l7mp.testing.Await;
import io.l7mp.testing.conformance.Loops;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link ChannelStage} over real TCP connections on loopback. */
class ChannelStageTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int CHUNK = 64 * 1024;
    /** Far more than the kernel buffers between the two sockets (both set small), so most of it waits in Netty. */
    private static final int TOTAL = 64 * CHUNK;

    /** A session that ended normally still delivers what it wrote last to a peer that reads late. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void anOrderlyCloseDeliversWhatIsQueued(Loops loops) throws Exception {
        assertThat(writeThenClose(loops, null)).isEqualTo(TOTAL);
    }

    /** A failed session does not wait for a slow peer: the queue is dropped and the connection closed at once. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void aFailureClosesAtOnce(Loops loops) throws Exception {
        assertThat(writeThenClose(loops, new IOException("test failure"))).isLessThan(TOTAL);
    }

    /**
     * A stage that passed a half-close on (its answer and our end of stream are out) and that the session then ends
     * while its peer still sends lingers for the peer's end of stream: the peer reads the whole answer. It closed at
     * once before ({@link LingeringClose} refused a channel whose output was shut), and what the peer still sent then
     * reset the connection, which dropped the part of the answer the peer's small window had not taken yet.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void aStageWhoseOutputIsShutLingersForItsPeer(Loops loops) throws Exception {
        assumeThat(loops.available()).as(loops + " is not available here").isTrue();
        final int answer = 64 * 1024;
        final EventLoopGroup group = loops.newGroup();
        try (ServerSocket server = new ServerSocket()) {
            // A small window for the peer, a send buffer that takes the whole answer: the stage's own queue empties
            // at once, and most of the answer waits in the kernel when the stage closes.
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final Channel ch = new Bootstrap().group(group)
                    .channel(loops == Loops.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.SO_SNDBUF, 1 << 20)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.getLocalSocketAddress()).syncUninterruptibly().channel();
            try (Socket peer = server.accept()) {
                ch.eventLoop().submit(() -> {
                    final ChannelStage stage = new ChannelStage(ch, StreamKind.BYTE);
                    stage.bind(new Ignore());
                    stage.write(Unpooled.wrappedBuffer(new byte[answer]));
                    stage.flush();
                    assertThat(stage.shutdownOutput()).isTrue();
                    stage.close(null);
                }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                // NIO closes a registered socket only when its selector next runs; a scheduled task runs after that.
                ch.eventLoop().schedule(() -> { }, 1, TimeUnit.MILLISECONDS)
                        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                // The peer is still sending.
                peer.getOutputStream().write(new byte[100]);
                long got = 0;
                final byte[] buf = new byte[CHUNK];
                final InputStream in = peer.getInputStream();
                peer.setSoTimeout((int) WAIT.toMillis());
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got += n;
                }
                assertThat(got).isEqualTo(answer);
            }
            Await.until(WAIT, "the channel to close on the peer's close", () -> !ch.isOpen());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * Writes {@link #TOTAL} bytes through a stage to a peer that does not read yet, closes the stage with
     * {@code cause}, waits until the queue is either written or dropped, then lets the peer read to the end.
     */
    private static long writeThenClose(Loops loops, @Nullable Throwable cause) throws Exception {
        assumeThat(loops.available()).as(loops + " is not available here").isTrue();
        final EventLoopGroup group = loops.newGroup();
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final Channel ch = new Bootstrap().group(group)
                    .channel(loops == Loops.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.SO_SNDBUF, 4096)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.getLocalSocketAddress()).syncUninterruptibly().channel();
            try (Socket peer = server.accept()) {
                ch.eventLoop().submit(() -> {
                    final ChannelStage stage = new ChannelStage(ch, StreamKind.BYTE);
                    stage.bind(new Ignore());
                    for (int i = 0; i < TOTAL / CHUNK; i++) {
                        stage.write(Unpooled.wrappedBuffer(new byte[CHUNK]));
                    }
                    stage.flush();
                    stage.close(cause);
                }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (cause != null) {
                    Await.until(WAIT, "the channel to close", () -> !ch.isOpen());
                }
                long got = 0;
                final byte[] buf = new byte[CHUNK];
                final InputStream in = peer.getInputStream();
                peer.setSoTimeout((int) WAIT.toMillis());
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got += n;
                }
                Await.until(WAIT, "the channel to close", () -> !ch.isOpen());
                return got;
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static final class Ignore implements StageHandler {
        @Override
        public void onRead(ByteBuf msg) {
            msg.release();
        }

        @Override
        public void onReadComplete() {
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
        }
    }
}
