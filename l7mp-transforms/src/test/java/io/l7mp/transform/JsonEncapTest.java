package io.l7mp.transform;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JsonEncapTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void envelopeIsL7mpsByteForByte() throws Exception {
        try (Udp upstream = new Udp();
             L7mp proxy = L7mp.builder()
                     .cluster("encap", c -> c.spec(ProtocolSpec.of("JSONEncap")))
                     .cluster("up", c -> c.spec(UdpSpec.port(upstream.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.rewrite("/labels/session_id", "42")
                                     .route(rt -> rt.destination("up").ingress("encap"))))
                     .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            client.send(to, "hello");
            final String env = upstream.receive();
            final SessionInfo s = proxy.sessions().get(0);
            // What l7mp's JSON.stringify({metadata: s.metadata, payload}) writes: compact, name first.
            assertThat(env).isEqualTo("{\"metadata\":{\"name\":\"" + s.name() + "\","
                    + "\"IP\":{\"src_addr\":\"127.0.0.1\",\"dst_addr\":\"127.0.0.1\"},"
                    + "\"UDP\":{\"src_port\":" + client.port() + ",\"dst_port\":" + to.getPort() + "},"
                    + "\"labels\":{\"session_id\":\"42\"}},"
                    + "\"payload\":\"aGVsbG8=\"}");
            // Binary payloads survive, each message stays one envelope.
            final byte[] bin = {0, (byte) 0xff, 10, 13, (byte) 0x80};
            client.send(to, bin);
            final JsonNode j = new ObjectMapper().readTree(upstream.receive());
            assertThat(Base64.getDecoder().decode(j.get("payload").asText())).isEqualTo(bin);
        }
    }

    @Test
    void encapAndDecapRoundTripThroughTwoChainPositionsAndRestoreMetadata() throws Exception {
        // front: client -> [JSONEncap] -> UDP -> back: [JSONDecap] -> Echo -> [JSONEncap] -> UDP -> [JSONDecap] -> client
        try (L7mp back = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("decap", c -> c.spec(ProtocolSpec.of("JSONDecap")))
                .cluster("encap", c -> c.spec(ProtocolSpec.of("JSONEncap")))
                .listener("back", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("decap").egress("encap"))))
                .build()) {
            back.start().get(5, SECONDS);
            try (L7mp front = L7mp.builder()
                    .cluster("encap", c -> c.spec(ProtocolSpec.of("JSONEncap")))
                    .cluster("decap", c -> c.spec(ProtocolSpec.of("JSONDecap")))
                    .cluster("back", c -> c.spec(UdpSpec.port(back.listener("back").port())).endpoint("127.0.0.1"))
                    .listener("front", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.rewrite("/labels/session_id", "call-7")
                                    .route(rt -> rt.destination("back").ingress("encap").egress("decap"))))
                    .build();
                 Udp client = new Udp()) {
                front.start().get(5, SECONDS);
                final InetSocketAddress to = Udp.of(front, "front");
                for (int i = 0; i < 10; i++) {
                    final String m = "message-" + i + "-" + "x".repeat(i * 100);
                    assertThat(client.roundTrip(to, m)).isEqualTo(m);
                }
                final String backSession = back.sessions().get(0).name();
                final JsonNode received = ReceivedMetadata.of(backSession).orElseThrow();
                assertThat(received.at("/labels/session_id").asText()).isEqualTo("call-7");
                assertThat(received.get("name").asText()).isEqualTo(front.sessions().get(0).name());
                // The front's decap received the back session's metadata on the way back.
                assertThat(ReceivedMetadata.of(front.sessions().get(0).name()).orElseThrow().get("name").asText())
                        .isEqualTo(backSession);
                back.deleteSession(backSession).get(5, SECONDS);
                Await.until(WAIT, "received metadata dropped with the session",
                        () -> ReceivedMetadata.of(backSession).isEmpty());
            }
        }
    }

    @Test
    void decapEmitsAnEmptyMessageForInvalidJsonAndDecodesL7mpEnvelopes() throws Exception {
        // Netty does not send zero-length datagrams, so a Metric behind the decap counts the empty messages.
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("decap", c -> c.spec(ProtocolSpec.of("JSONDecap")))
                .cluster("decap-count", c -> c.spec(MetricSpec.of()))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("decap", "decap-count"))))
                .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            // An envelope as l7mp's JSONEncap writes it (payload "test").
            assertThat(client.roundTrip(to, "{\"metadata\":{\"name\":\"x\"},\"payload\":\"dGVzdA==\"}"))
                    .isEqualTo("test");
            client.send(to, "not json");
            client.send(to, "{\"payload\":\"dGVzdA==\"} trailing");
            client.send(to, "{\"metadata\":{}}");
            client.send(to, "[1, 2]");
            assertThat(client.roundTrip(to, "{\"payload\":\"dGVzdA\"}")).isEqualTo("test");
            final byte[] urlSafe = {(byte) 0xfb, (byte) 0xff, 1};
            client.send(to, "{\"payload\":\"" + Base64.getUrlEncoder().encodeToString(urlSafe) + "\"}");
            assertThat(client.receiveBytes()).isEqualTo(urlSafe);
            final Metrics.ClusterMetrics m = Metrics.snapshot().get("decap-count");
            assertThat(m.packets()).isEqualTo(7);
            assertThat(m.bytes()).isEqualTo(4 + 4 + 3);
        }
    }
}
