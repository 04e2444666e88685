package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UdpProxyTest {
    static String roundTrip(DatagramSocket client, SocketAddress to, String msg) throws Exception {
        client.setSoTimeout(5_000);
        final byte[] b = msg.getBytes(US_ASCII);
        client.send(new DatagramPacket(b, b.length, to));
        final DatagramPacket reply = new DatagramPacket(new byte[70000], 70000);
        client.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), US_ASCII);
    }

    static InetSocketAddress local(L7mp proxy, String listener) {
        return new InetSocketAddress("127.0.0.1", proxy.listener(listener).port());
    }

    @Test
    void datagramComesBackThroughEchoCluster() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            assertThat(roundTrip(client, local(proxy, "in"), "ping")).isEqualTo("ping");
        }
    }

    /** Loops that sleep right away after their work carry traffic as the default polling ones do. */
    @Test
    void loopsThatDoNotPollBeforeSleepingCarryTraffic() throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer();
             L7mp proxy = L7mp.builder()
                     .spinMicros(0)
                     .cluster("up", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            for (int i = 0; i < 100; i++) {
                assertThat(roundTrip(client, local(proxy, "in"), "ping " + i)).isEqualTo("ping " + i);
            }
        }
    }

    /** NIO loops poll before sleeping too, and carry traffic. */
    @Test
    void nioLoopsThatPollCarryTraffic() throws Exception {
        final String before = System.getProperty("l7mp.transport");
        final L7mp built;
        System.setProperty("l7mp.transport", "nio");
        try (UdpEchoServer echo = new UdpEchoServer()) {
            try {
                built = L7mp.builder()
                        .spinMicros(30)
                        .cluster("up", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                        .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                                .rule(r -> r.route(rt -> rt.destination("up"))))
                        .build();
            } finally {
                if (before == null) {
                    System.clearProperty("l7mp.transport");
                } else {
                    System.setProperty("l7mp.transport", before);
                }
            }
            try (L7mp proxy = built;
                 DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                assertThat(proxy.transport().name()).isEqualTo("nio");
                proxy.start().get(5, SECONDS);
                for (int i = 0; i < 100; i++) {
                    assertThat(roundTrip(client, local(proxy, "in"), "ping " + i)).isEqualTo("ping " + i);
                }
            }
        }
    }

    @Test
    void aPollTimeOutOfRangeIsRefused() {
        assertThatThrownBy(() -> L7mp.builder().spinMicros(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spinMicros: -1");
        assertThatThrownBy(() -> L7mp.builder().spinMicros(1001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: 0-1000");
    }

    @Test
    void serverModeMakesOneSessionPerSourcePortAndKeepsBoundaries() throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build();
             DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = local(proxy, "in");
            assertThat(roundTrip(a, to, "a1")).isEqualTo("a1");
            assertThat(roundTrip(b, to, "b1")).isEqualTo("b1");
            assertThat(roundTrip(a, to, "x".repeat(30000))).hasSize(30000);
            assertThat(proxy.sessions()).hasSize(2);
            final SessionInfo s = proxy.sessions().stream()
                    .filter(x -> x.metadata().at("/UDP/src_port").asInt() == a.getLocalPort()).findFirst().orElseThrow();
            assertThat(s.metadata().at("/IP/src_addr").asText()).isEqualTo("127.0.0.1");
            assertThat(s.metadata().at("/UDP/dst_port").asInt()).isEqualTo(to.getPort());
            assertThat(s.name()).startsWith("UDP:127.0.0.1:" + a.getLocalPort() + "-");
            assertThat(s.stats().ingressPackets()).isEqualTo(2);
            assertThat(proxy.listener("in").stats().activeSessions()).isEqualTo(2);
        }
    }

    /**
     * A server-mode session whose sink cannot keep up (a TCP upstream that does not read) drops datagrams, as a UDP
     * socket nobody reads does: the listener's socket serves other sessions and cannot pause for one, and queueing
     * everything for the sink grew the proxy by hundreds of MB a second under a flood.
     */
    @Test
    void datagramsForASinkThatCannotKeepUpAreDroppedNotQueued() throws Exception {
        final int datagrams = 30_000;
        final int size = 8192;
        try (java.net.ServerSocket backend = new java.net.ServerSocket()) {
            backend.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            try (L7mp proxy = L7mp.builder()
                         .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                         .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                                 .rule(r -> r.route(rt -> rt.destination("up"))))
                         .build();
                 DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                proxy.start().get(5, SECONDS);
                final InetSocketAddress to = local(proxy, "in");
                final byte[] b = new byte[size];
                client.send(new DatagramPacket(b, b.length, to));
                try (java.net.Socket upstream = backend.accept()) {
                    Await.until(Duration.ofSeconds(5), "the session to connect",
                            () -> proxy.sessions().size() == 1 && proxy.sessions().get(0).status()
                                    == io.l7mp.SessionStatus.CONNECTED);
                    final io.netty.buffer.ByteBufAllocatorMetric memory =
                            ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT)
                                    .metric();
                    final long memoryBefore = memory.usedDirectMemory();
                    for (int i = 0; i < datagrams; i++) {
                        client.send(new DatagramPacket(b, b.length, to));
                    }
                    final long[] last = {-1, 0};
                    // Taken once the proxy has read what the flood left in its socket: no change over 40 polls.
                    Await.until(Duration.ofSeconds(20), "the flood to be read", () -> {
                        final long now = proxy.sessions().get(0).stats().ingressBytes();
                        last[1] = now == last[0] ? last[1] + 1 : 0;
                        last[0] = now;
                        return last[1] == 40;
                    });
                    assertThat(last[0]).as("bytes the session took").isPositive();
                    assertThat(memory.usedDirectMemory() - memoryBefore)
                            .as("direct memory the proxy holds for an upstream that reads nothing, of %d bytes taken",
                                    last[0])
                            .isLessThan(8L << 20);
                    // The upstream reads again: the session forwards again.
                    upstream.setSoTimeout(5_000);
                    final java.io.InputStream in = upstream.getInputStream();
                    final byte[] sink = new byte[1 << 16];
                    long got = 0;
                    while (got < last[0]) {
                        got += in.read(sink);
                    }
                    final long before = proxy.sessions().get(0).stats().ingressBytes();
                    Await.until(Duration.ofSeconds(5), "a datagram forwarded after the upstream read", () -> {
                        try {
                            client.send(new DatagramPacket(b, b.length, to));
                        } catch (final java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        return proxy.sessions().get(0).stats().ingressBytes() > before;
                    });
                }
            }
        }
    }

    /**
     * Both sockets of a session read in batches while datagrams queue up and singly otherwise: a burst, then the largest
     * UDP payload, all come back whole, each exactly once.
     */
    @Test
    void aBurstAndTheLargestDatagramComeBackWhole() throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = local(proxy, "in");
            client.setSoTimeout(5_000);
            final int n = 200;
            for (int i = 0; i < n; i++) {
                final byte[] b = String.format("%03d", i).repeat(33).getBytes(US_ASCII);
                client.send(new DatagramPacket(b, b.length, to));
            }
            final java.util.Set<String> back = new java.util.HashSet<>();
            final DatagramPacket reply = new DatagramPacket(new byte[70000], 70000);
            for (int i = 0; i < n; i++) {
                reply.setLength(70000);
                client.receive(reply);
                final String m = new String(reply.getData(), 0, reply.getLength(), US_ASCII);
                assertThat(m).hasSize(99).isEqualTo(m.substring(0, 3).repeat(33));
                assertThat(back.add(m.substring(0, 3))).as("duplicate %s", m.substring(0, 3)).isTrue();
            }
            assertThat(back).hasSize(n);
            assertThat(roundTrip(client, to, "y".repeat(65_507))).isEqualTo("y".repeat(65_507));
        }
    }

    @Test
    void singletonModeConnectsToItsPeer() throws Exception {
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = L7mp.builder()
                     .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0).withConnect("127.0.0.1",
                                     peer.getLocalPort()))
                             .rule(r -> r.route(rt -> rt.destination("echo"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            Await.until(Duration.ofSeconds(5), "the singleton session", () -> proxy.sessions().size() == 1);
            assertThat(roundTrip(peer, local(proxy, "in"), "hello")).isEqualTo("hello");
        }
    }

    @Test
    void idleServerSessionEnds() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0).withIdleTimeout(1))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            roundTrip(client, local(proxy, "in"), "x");
            assertThat(proxy.sessions()).hasSize(1);
            Await.until(Duration.ofSeconds(5), "the idle session to end", () -> proxy.sessions().isEmpty());
        }
    }
}
