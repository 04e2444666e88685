package io.l7mp.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
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
