package io.l7mp.internal.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.l7mp.L7mp;
import io.l7mp.protocol.TcpSpec;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.testing.Await;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The epoll TCP stages that run without a Netty channel: what they must do that a channel did for them. */
class RawTcpStageTest {
    @Test
    void acceptedConnectionsHaveNagleOff() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll");
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            final EventLoop loop = group.next();
            assertThat(RawTcpStage.usable(loop)).isTrue();
            final AtomicReference<RawTcpStage> accepted = new AtomicReference<>();
            final RawTcpAcceptor acceptor = RawTcpAcceptor.open("test", loop,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), (s, local) -> accepted.set(s))
                    .get(5, SECONDS);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), acceptor.localAddress().getPort())) {
                final RawTcpStage stage = Await.value(Duration.ofSeconds(5), "the accepted stage", accepted::get);
                // Inherited from the listening socket, which saves a setsockopt per connection: a proxy that let
                // Nagle hold back small writes would add up to 40 ms to request/response traffic.
                assertThat(loop.submit(stage::tcpNoDelay).get(5, SECONDS)).isTrue();
                assertThat(stage.remoteAddress().getPort()).isEqualTo(client.getLocalPort());
                loop.execute(() -> stage.close(null));
            } finally {
                acceptor.closeAsync().get(5, SECONDS);
            }
        } finally {
            group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A client that does not read holds the upstream back through the proxy (the proxy stops reading from the
     * upstream while the client's side is above its high-water mark) instead of the proxy queueing the whole answer;
     * once the client reads, every byte arrives in order.
     */
    @Test
    void aClientThatDoesNotReadHoldsTheUpstreamBack() throws Exception {
        final int size = 64 << 20;
        final AtomicLong written = new AtomicLong();
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final CompletableFuture<Void> backendDone = CompletableFuture.runAsync(() -> {
                try (Socket b = backend.accept()) {
                    final OutputStream out = b.getOutputStream();
                    final byte[] chunk = new byte[64 * 1024];
                    for (int off = 0; off < size; off += chunk.length) {
                        for (int i = 0; i < chunk.length; i++) {
                            chunk[i] = (byte) ((off + i) % 251);
                        }
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    b.shutdownOutput();
                    b.getInputStream().read();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(64 * 1024);
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.listener("in").port()), 5_000);
                s.setSoTimeout(20_000);
                // Nothing read yet: the backend's writes must stall well short of the whole answer.
                // Stalled: no progress over 40 polls in a row (some 200 ms).
                final long[] last = {-1, 0};
                Await.until(Duration.ofSeconds(20), "the backend's writes to stall", () -> {
                    final long now = written.get();
                    last[1] = now > 0 && now == last[0] ? last[1] + 1 : 0;
                    last[0] = now;
                    return last[1] == 40;
                });
                assertThat(written.get()).as("bytes the backend got rid of while nobody read")
                        .isLessThan(size / 2);
                final InputStream in = s.getInputStream();
                final byte[] buf = new byte[64 * 1024];
                long got = 0;
                int n;
                while (got < size && (n = in.read(buf)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != (byte) ((got + i) % 251)) {
                            throw new AssertionError("byte " + (got + i) + " differs");
                        }
                    }
                    got += n;
                }
                assertThat(got).isEqualTo(size);
                assertThat(in.read()).as("the end of stream after the answer").isEqualTo(-1);
            }
            backendDone.get(10, SECONDS);
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * A client that half-closed and then resets its connection, in front of an upstream that has not answered yet,
     * ends its session at once: its reset must not be taken for part of the half-close it already passed on, which
     * would leave the session and both sockets open until the half-close idle timeout (30 s).
     */
    @Test
    void aResetAfterTheClientsHalfCloseEndsTheSession() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.listener("in").port());
            try (Socket b = backend.accept()) {
                client.getOutputStream().write(1);
                client.shutdownOutput();
                // The upstream got the byte and the end of stream, and answers nothing (it stays open meanwhile).
                b.setSoTimeout(5_000);
                assertThat(b.getInputStream().read()).isEqualTo(1);
                assertThat(b.getInputStream().read()).isEqualTo(-1);
                client.setSoLinger(true, 0);
                client.close();
                Await.until(Duration.ofSeconds(5), "the session to end after the client's reset",
                        () -> proxy.sessions().isEmpty());
            } finally {
                client.close();
            }
        }
    }

    /**
     * A connect still under way when its loop shuts down fails, instead of leaving its session waiting on a future
     * that nothing would complete: the loop closes the socket, and no event would ever come for it.
     */
    @Test
    void aConnectUnderWayWhenItsLoopShutsDownFails() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll");
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        final List<Socket> queued = new ArrayList<>();
        // A listener that never accepts, its accept queue full: the kernel drops further SYNs, so a connect to it
        // stays under way (retrying its SYN for a minute and more).
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final InetSocketAddress addr = (InetSocketAddress) full.getLocalSocketAddress();
            for (int i = 0; i < 8; i++) {
                final Socket s = new Socket();
                try {
                    s.connect(addr, 500);
                    queued.add(s);
                } catch (final SocketTimeoutException e) {
                    s.close();
                    break;
                }
            }
            final EventLoop loop = group.next();
            final Future<Stage> f = RawTcpStage.connect(loop, addr, 60_000);
            // Tasks run in order: once this one has, the connect was started.
            loop.submit(() -> { }).get(5, SECONDS);
            assertThat(f.isDone()).as("a connect to a listener whose accept queue is full").isFalse();
            group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
            assertThat(f.await(5, SECONDS)).as("the connect's future done").isTrue();
            assertThat(f.cause()).isInstanceOf(SessionError.class).hasMessageContaining("shut down");
        } finally {
            group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
            for (final Socket s : queued) {
                s.close();
            }
        }
    }

    /** A connect asked of a loop that has shut down fails at once, and keeps no socket open. */
    @Test
    void aConnectOnALoopThatHasShutDownFails() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll");
        final int attempts = 100;
        final com.sun.management.UnixOperatingSystemMXBean os = (com.sun.management.UnixOperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        final EventLoop loop = group.next();
        group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
        final InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        final long before = os.getOpenFileDescriptorCount();
        for (int i = 0; i < attempts; i++) {
            final Future<Stage> f = RawTcpStage.connect(loop, addr, 1_000);
            assertThat(f.isDone()).isTrue();
            assertThat(f.cause()).isInstanceOf(SessionError.class).hasMessageContaining("shut down");
        }
        assertThat(os.getOpenFileDescriptorCount() - before).as("sockets left open by %d connects", attempts)
                .isLessThan(attempts / 4);
    }

    /** IPv6 both ways: the listener's socket, the address accept reports, the upstream socket's family. */
    @Test
    void ipv6ClientsAndEndpointsWork() throws Exception {
        final InetAddress v6 = InetAddress.getByName("::1");
        // The machines this runs on have ::1 (the project's tests use 127.0.0.1 and ::1): no IPv6 loopback fails.
        final ServerSocket backend = new ServerSocket(0, 8, v6);
        final CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
            try (Socket b = backend.accept()) {
                b.getInputStream().transferTo(b.getOutputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try (backend;
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("::1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("::1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = new Socket(v6, proxy.listener("in").port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write("hello over v6".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                assertThat(new String(s.getInputStream().readNBytes(13), java.nio.charset.StandardCharsets.US_ASCII))
                        .isEqualTo("hello over v6");
                assertThat(proxy.sessions().get(0).metadata().at("/IP/src_addr").asText())
                        .isEqualTo(v6.getHostAddress());
                assertThat(proxy.sessions().get(0).metadata().at("/TCP/src_port").asInt())
                        .isEqualTo(s.getLocalPort());
                s.shutdownOutput();
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            echo.get(5, SECONDS);
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }
}
