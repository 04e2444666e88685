package io.l7mp.transform;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void countsBytesAndPacketsPerSessionAndCluster() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("m-in", c -> c.spec(MetricSpec.of()))
                .cluster("m-both", c -> c.spec(new MetricSpec("Metric", "my_bytes", "my_packets")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("m-in", "m-both").egress("m-both"))))
                .build();
             Udp a = new Udp();
             Udp b = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            for (final String p : new String[] {"p1", "p2", "p3"}) {
                assertThat(a.roundTrip(to, p)).isEqualTo(p);
            }
            assertThat(b.roundTrip(to, "hello")).isEqualTo("hello");
            final String sa = proxy.sessions().stream().filter(s -> s.metadata().at("/UDP/src_port").asInt()
                    == a.port()).findFirst().orElseThrow().name();
            final Metrics.ClusterMetrics in = Metrics.snapshot().get("m-in");
            // l7mp's test: three 2-byte messages -> 3 packets, 6 bytes.
            assertThat(in.sessions().get(sa)).isEqualTo(new Metrics.SessionMetrics(sa, 6, 3));
            assertThat(in.bytes()).isEqualTo(11);
            assertThat(in.packets()).isEqualTo(4);
            assertThat(in.byteCounterName()).isEqualTo("session_byte_counter_total");
            // A cluster in both chains counts both directions of the session.
            final Metrics.ClusterMetrics both = Metrics.snapshot().get("m-both");
            assertThat(both.sessions().get(sa)).isEqualTo(new Metrics.SessionMetrics(sa, 12, 6));
            final String text = Metrics.prometheus();
            assertThat(text).contains("# TYPE session_byte_counter_total counter\n")
                    .contains("session_byte_counter_total{sessionName=\"" + sa + "\",clusterName=\"m-in\"} 6\n")
                    .contains("session_packet_counter_total{sessionName=\"" + sa + "\",clusterName=\"m-in\"} 3\n")
                    .contains("my_packets{sessionName=\"" + sa + "\",clusterName=\"m-both\"} 6\n")
                    .contains("l7mp_metric_cluster_bytes_total{clusterName=\"m-both\"} 22\n");
            // Ended sessions leave the per-session view and stay in the cluster's totals.
            proxy.deleteSession(sa).get(5, SECONDS);
            Await.until(WAIT, "the session gone from the counters",
                    () -> !Metrics.snapshot().get("m-in").sessions().containsKey(sa));
            assertThat(Metrics.snapshot().get("m-in").bytes()).isEqualTo(11);
            proxy.deleteCluster("m-in", true).get(5, SECONDS);
            assertThat(Metrics.snapshot()).doesNotContainKey("m-in");
        }
        assertThat(Metrics.snapshot()).doesNotContainKey("m-both");
    }

    @Test
    void l7mpSpecKeysAreAcceptedAndChecked() {
        final var cfg = ConfigCodec.defaults().readConfig("""
                clusters:
                  - name: m
                    spec: {protocol: Metric, byteCounterName: b_total, packetCounterName: p_total}
                """, true);
        assertThat(cfg.clusters().get(0).spec()).isEqualTo(new MetricSpec("Metric", "b_total", "p_total"));
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig(
                "clusters: [{name: m, spec: {protocol: Metric, byteCounterName: 'a b'}}]", true))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("clusters[0].spec.byteCounterName: \"a b\" (expected: a Prometheus metric");
    }
}
