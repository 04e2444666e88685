package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.nio.sctp.MessageInfo;
import com.sun.nio.sctp.SctpChannel;
import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.internal.protocol.packet.AfPacketProtocol;
import io.l7mp.internal.protocol.sctp.SctpProtocol;
import io.l7mp.spec.ProtocolSpec;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SCTP and AF_PACKET: a clear error where they cannot run, the data path where SCTP can. */
class UnavailableProtocolsTest {
    @TempDir
    Path dir;

    @Test
    void sctpSaysWhyItIsUnavailable() {
        final SctpProtocol sctp = new SctpProtocol();
        assumeFalse(sctp.isAvailable(), "SCTP works here");
        assertThat(sctp.unavailableReason()).startsWith("SCTP: ")
                .containsAnyOf("kernel has no SCTP support", "libsctp", "no SCTP support");
        assertThatThrownBy(() -> L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("sctp", l -> l.spec(SctpSpec.port(0)).rule(r -> r.route(rt -> rt.destination("echo"))))
                .build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec.protocol")
                .hasMessageContaining("\"SCTP\" is not available here: " + sctp.unavailableReason());
        assertThatThrownBy(() -> L7mp.builder()
                .cluster("up", c -> c.spec(SctpSpec.port(5000)).endpoint("127.0.0.1"))
                .build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(sctp.unavailableReason());
    }

    @Test
    void sctpCarriesMessagesWithTheirStreamId() throws Exception {
        assumeTrue(new SctpProtocol().isAvailable(), "SCTP is unavailable here");
        // Netty's SCTP channels are NIO channels: the proxy runs on NIO loops.
        try (L7mp b = L7mp.builder()
                .eventLoopGroup(new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()), true)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("sctp", l -> l.spec(SctpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            b.start().get(5, SECONDS);
            final int port = b.listener("sctp").port();
            try (SctpChannel client = SctpChannel.open(new InetSocketAddress("127.0.0.1", port), 0, 0)) {
                client.send(ByteBuffer.wrap("on stream 3".getBytes(US_ASCII)), MessageInfo.createOutgoing(null, 3));
                final ByteBuffer in = ByteBuffer.allocate(100);
                final MessageInfo info = client.receive(in, null, null);
                assertThat(info.streamNumber()).isEqualTo(3);
                assertThat(new String(in.array(), 0, in.position(), US_ASCII)).isEqualTo("on stream 3");
                final SessionInfo s = b.sessions().get(0);
                assertThat(s.metadata().at("/SCTP/stream_id").asInt()).isEqualTo(3);
                assertThat(s.metadata().at("/SCTP/dst_port").asInt()).isEqualTo(port);
            }
            // And as a cluster: UDP -> SCTP cluster -> the SCTP listener above -> Echo.
            try (L7mp a = L7mp.builder()
                    .eventLoopGroup(new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()), true)
                    .cluster("up", c -> c.spec(SctpSpec.port(port)).endpoint("127.0.0.1"))
                    .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build();
                 DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                a.start().get(5, SECONDS);
                final InetSocketAddress to = new InetSocketAddress("127.0.0.1", a.listener("udp").port());
                for (final int size : new int[] {1, 500, 5000, 40000}) {
                    assertThat(UdpProxyTest.roundTrip(client, to, "s".repeat(size))).hasSize(size);
                }
            }
        }
    }

    @Test
    void afPacketSaysWhyItIsUnavailable() throws Exception {
        final AfPacketProtocol p = new AfPacketProtocol();
        assertThat(p.isAvailable()).isFalse();
        assertThat(p.unavailableReason()).contains("plain Java cannot open packet sockets");
        final Path cfg = Files.writeString(dir.resolve("l7mp.yaml"), String.join("\n",
                "admin: {log_level: info}",
                "listeners:",
                "  - name: raw",
                "    spec: {protocol: AF_PACKET, interface: eth0}",
                "    rules:",
                "      - action: {route: {destination: {name: echo, spec: {protocol: Echo}}}}",
                ""));
        assertThatThrownBy(() -> L7mp.load(cfg))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec.protocol")
                .hasMessageContaining("\"AF_PACKET\" is not available here: AF_PACKET: plain Java cannot open");
    }
}
