package io.l7mp.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.SessionStatus;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RetryOn;
import io.l7mp.spec.RouteSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingTest {
    @Test
    void runsOnTheApplicationsOwnEventLoopsAndLeavesThemRunning() throws Exception {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            try (L7mp proxy = L7mp.builder()
                    .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                    .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("echo"))))
                    .eventLoopGroup(group, false)
                    .build();
                 DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                proxy.start().get(5, SECONDS);
                assertThat(proxy.transport().name()).isEqualTo("nio");
                assertThat(UdpProxyTest.roundTrip(client, UdpProxyTest.local(proxy, "in"), "hi")).isEqualTo("hi");
            }
            assertThat(group.isShuttingDown()).isFalse();
        } finally {
            group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
        }
    }

    /**
     * docs/library.md's and README.md's example, on loopback ports: the route defined inline in a rule has a name,
     * so replaceRoute finds it (the examples used to replace a route that did not exist, which failed with
     * NotFoundException) and re-routes the live session.
     */
    @Test
    void theGuidesExampleReRoutesALiveSessionThroughItsNamedInlineRoute() throws Exception {
        try (UdpEchoServer a = new UdpEchoServer("127.0.0.1", "A:");
             UdpEchoServer b = new UdpEchoServer("127.0.0.1", "B:");
             L7mp proxy = L7mp.builder()
                     .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                     .cluster("up", c -> c.spec(UdpSpec.port(a.port())).endpoint("127.0.0.1"))
                     .cluster("other", c -> c.spec(UdpSpec.port(b.port())).endpoint("127.0.0.1"))
                     .listener("udp-in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.matchTest("/UDP/src_port", 1).route(rt -> rt.destination("echo")))
                             .rule(r -> r.route(rt -> rt.name("r").destination("up").retryOn(RetryOn.ALWAYS)
                                     .numRetries(3))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = UdpProxyTest.local(proxy, "udp-in");
            assertThat(UdpProxyTest.roundTrip(client, to, "1")).isEqualTo("A:1");
            final List<SessionInfo> sessions = proxy.sessions();
            assertThat(proxy.routes()).containsKey("r");
            proxy.replaceRoute(RouteSpec.builder("r").destination("other").build()).get(5, SECONDS);
            Await.until(Duration.ofSeconds(5), "the session on the new route",
                    () -> "other".equals(proxy.session(sessions.get(0).name()).destination().origin())
                            && proxy.session(sessions.get(0).name()).status() == SessionStatus.CONNECTED);
            assertThat(UdpProxyTest.roundTrip(client, to, "2")).isEqualTo("B:2");
            proxy.deleteSession(sessions.get(0).name()).get(5, SECONDS);
            assertThat(proxy.sessions()).isEmpty();
        }
    }

    @Test
    void broadcastFansADatagramOutToEveryEndpoint() throws Exception {
        try (UdpEchoServer a = new UdpEchoServer("127.0.0.1", "A:");
             UdpEchoServer b = UdpEchoServer.at("127.0.0.2", a.port(), "B:");
             L7mp proxy = L7mp.builder()
                     .cluster("all", c -> c.spec(UdpSpec.port(a.port())).endpoint("127.0.0.1").endpoint("127.0.0.2")
                             .loadBalancer("Broadcast", null))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("all"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            client.setSoTimeout(5_000);
            final byte[] m = "x".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(m, m.length, UdpProxyTest.local(proxy, "in")));
            final java.util.Set<String> replies = new java.util.HashSet<>();
            for (int i = 0; i < 2; i++) {
                final DatagramPacket p = new DatagramPacket(new byte[10], 10);
                client.receive(p);
                replies.add(new String(p.getData(), 0, p.getLength(), java.nio.charset.StandardCharsets.US_ASCII));
            }
            assertThat(replies).containsExactlyInAnyOrder("A:x", "B:x");
            Await.until(Duration.ofSeconds(2), "both servers to count", () -> a.received() == 1 && b.received() == 1);
        }
    }
}
