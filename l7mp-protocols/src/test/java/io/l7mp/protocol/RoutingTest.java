package io.l7mp.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.testing.UdpEchoServer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingTest {
    @Test
    void rulesChooseBetweenTwoClustersAndRewriteMetadata() throws Exception {
        try (UdpEchoServer a = new UdpEchoServer("127.0.0.1", "A:");
             UdpEchoServer b = new UdpEchoServer("127.0.0.1", "B:");
             DatagramSocket c1 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket c2 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final int special = c1.getLocalPort();
            try (L7mp proxy = L7mp.builder()
                    .cluster("a", c -> c.spec(UdpSpec.port(a.port())).endpoint("127.0.0.1"))
                    .cluster("b", c -> c.spec(UdpSpec.port(b.port())).endpoint("127.0.0.1"))
                    .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.matchTest("/UDP/src_port", special).rewrite("/labels/tier", "gold")
                                    .route(rt -> rt.destination("a")))
                            .rule(r -> r.route(rt -> rt.destination("b"))))
                    .build()) {
                proxy.start().get(5, SECONDS);
                final InetSocketAddress to = UdpProxyTest.local(proxy, "in");
                assertThat(UdpProxyTest.roundTrip(c1, to, "x")).isEqualTo("A:x");
                assertThat(UdpProxyTest.roundTrip(c2, to, "y")).isEqualTo("B:y");
                final SessionInfo gold = proxy.sessions().stream()
                        .filter(s -> s.metadata().at("/UDP/src_port").asInt() == special).findFirst().orElseThrow();
                assertThat(gold.metadata().at("/labels/tier").asText()).isEqualTo("gold");
            }
        }
    }

    @Test
    void noMatchingRuleClosesAndKeepsNothing() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(io.l7mp.spec.ProtocolSpec.of("Echo")))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.matchTest("/TCP/src_port", 1).route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("in").port())) {
                s.setSoTimeout(5_000);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            // The client sees the close while the engine is still ending the session: wait for its removal.
            io.l7mp.testing.Await.until(java.time.Duration.ofSeconds(5), "the session to be removed",
                    () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void consistentHashIsStickyAndFollowsWeights() throws Exception {
        final List<UdpEchoServer> servers = new ArrayList<>();
        final List<DatagramSocket> clients = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                servers.add(new UdpEchoServer("127.0.0." + i, "S" + i + ":"));
            }
            // One port for all three: endpoints differ by address (127.0.0.2 and .3 are loopback too).
            final int port = servers.get(0).port();
            servers.get(1).close();
            servers.get(2).close();
            servers.set(1, bindOrSkip("127.0.0.2", port, "S2:"));
            servers.set(2, bindOrSkip("127.0.0.3", port, "S3:"));
            try (L7mp proxy = L7mp.builder()
                    .cluster("up", c -> c.spec(UdpSpec.port(port))
                            .endpoint(io.l7mp.spec.EndpointSpec.of("127.0.0.1").withWeight(3))
                            .endpoint("127.0.0.2").endpoint("127.0.0.3")
                            .loadBalancer("ConsistentHash", "/UDP/src_port"))
                    .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build()) {
                proxy.start().get(5, SECONDS);
                final InetSocketAddress to = UdpProxyTest.local(proxy, "in");
                final Map<String, Integer> spread = new HashMap<>();
                for (int i = 0; i < 60; i++) {
                    final DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                    clients.add(c);
                    final String reply = UdpProxyTest.roundTrip(c, to, "m");
                    spread.merge(reply.substring(0, 2), 1, Integer::sum);
                    // Stickiness: the same key keeps landing on the same endpoint, session after session.
                    final String name = proxy.sessions().stream()
                            .filter(s -> s.metadata().at("/UDP/src_port").asInt() == c.getLocalPort())
                            .findFirst().orElseThrow().name();
                    proxy.deleteSession(name).get(5, SECONDS);
                    assertThat(UdpProxyTest.roundTrip(c, to, "m")).startsWith(reply.substring(0, 2));
                }
                assertThat(spread.get("S1")).isGreaterThan(spread.getOrDefault("S2", 0))
                        .isGreaterThan(spread.getOrDefault("S3", 0));
                assertThat(spread.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
            }
        } finally {
            clients.forEach(DatagramSocket::close);
            servers.forEach(UdpEchoServer::close);
        }
    }

    private static UdpEchoServer bindOrSkip(String address, int port, String prefix) throws Exception {
        return UdpEchoServer.at(address, port, prefix);
    }
}
