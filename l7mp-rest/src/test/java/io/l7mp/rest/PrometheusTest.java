package io.l7mp.rest;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.UdpEchoServer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusTest {
    private static long sample(String text, String series) {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void metricsCountListenersClustersEndpointsAndSessions() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = RestApi.addPrometheusTo(RestApi.addTo(L7mp.builder(), "127.0.0.1", 0), "127.0.0.1", 0)
                     .cluster("up", c -> c.spec(UdpSpec.port(backend.port())).endpoint(
                             io.l7mp.spec.EndpointSpec.of("127.0.0.1").withName("ep\"1")))
                     .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            assertThat(RestApiTest.roundTrip(client, to, "hello")).isEqualTo("hello");
            assertThat(RestApiTest.roundTrip(client, to, "again")).isEqualTo("again");
            final Api prom = new Api(proxy.listener(RestApi.PROMETHEUS_LISTENER).port());
            final Api.Reply r = prom.get("/metrics");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            final String text = r.body();
            assertThat(sample(text, "l7mp_listener_sessions_total{listener=\"in\"}")).isEqualTo(1);
            assertThat(sample(text, "l7mp_listener_active_sessions{listener=\"in\"}")).isEqualTo(1);
            assertThat(sample(text, "l7mp_listener_ingress_bytes_total{listener=\"in\"}")).isEqualTo(10);
            assertThat(sample(text, "l7mp_listener_ingress_packets_total{listener=\"in\"}")).isEqualTo(2);
            assertThat(sample(text, "l7mp_cluster_egress_bytes_total{cluster=\"up\"}")).isEqualTo(10);
            assertThat(sample(text, "l7mp_cluster_sessions_total{cluster=\"echo\"}")).isZero();
            assertThat(sample(text, "l7mp_endpoint_sessions_total{cluster=\"up\",endpoint=\"ep\\\"1\"}"))
                    .isEqualTo(1);
            assertThat(sample(text, "l7mp_sessions{status=\"CONNECTED\"}")).isEqualTo(1);
            assertThat(sample(text, "l7mp_info{version=\"" + L7mp.VERSION + "\"}")).isEqualTo(1);
            assertThat(text).contains("# TYPE l7mp_listener_sessions_total counter",
                    "# TYPE l7mp_listener_active_sessions gauge");
            for (final String line : text.split("\n")) {
                assertThat(line).matches("# (HELP|TYPE) .*|[a-z0-9_]+\\{[^}]*\\} \\d+");
            }
            RestApiTest.assertError(prom.get("/other"), 404, "Not Found", "No route for session");
            assertThat(Api.of(proxy).get("/api/v1/clusters/" + RestApi.PROMETHEUS_CLUSTER).json()
                    .at("/spec/protocol").asText()).isEqualTo("Prometheus");
        }
    }

    @Test
    void endpointsOfACheckedClusterShowWhetherTheyAreUp() throws Exception {
        final int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        try (L7mp proxy = RestApi.addPrometheusTo(L7mp.builder(), "127.0.0.1", 0)
                .cluster("up", c -> c.spec(io.l7mp.protocol.TcpSpec.port(dead))
                        .endpoint(io.l7mp.spec.EndpointSpec.of("127.0.0.1").withName("down"))
                        .healthCheck(io.l7mp.spec.HealthCheckSpec.every(java.time.Duration.ofMillis(50),
                                java.time.Duration.ofMillis(500)).withThresholds(1, 1)))
                .build()) {
            proxy.start().get(5, SECONDS);
            final Api prom = new Api(proxy.listener(RestApi.PROMETHEUS_LISTENER).port());
            io.l7mp.testing.Await.until(java.time.Duration.ofSeconds(10), "the endpoint to show as down",
                    () -> prom.get("/metrics").body()
                            .contains("l7mp_endpoint_up{cluster=\"up\",endpoint=\"down\",health=\"unhealthy\"} 0"));
            assertThat(prom.get("/metrics").body()).contains("# TYPE l7mp_endpoint_up gauge");
        }
    }

    @Test
    void theMetricTransformsCountersAreScrapedToo() throws Exception {
        // l7mp-metric-prometheus.yaml's setup: Metric clusters on both chains, scraped from the Prometheus cluster.
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = RestApi.addPrometheusTo(L7mp.builder(), "127.0.0.1", 0)
                     .cluster("up", c -> c.spec(UdpSpec.port(backend.port())).endpoint("127.0.0.1"))
                     .cluster("in-count", c -> c.spec(ProtocolSpec.of("Metric")))
                     .cluster("out-count", c -> c.spec(ProtocolSpec.of("Metric")))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up").ingress("in-count").egress("out-count"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            assertThat(RestApiTest.roundTrip(client, to, "hello")).isEqualTo("hello");
            final String session = proxy.sessions().get(0).name();
            final String text = new Api(proxy.listener(RestApi.PROMETHEUS_LISTENER).port()).get("/metrics").body();
            assertThat(text).contains("# TYPE session_byte_counter_total counter");
            assertThat(sample(text, "session_byte_counter_total{sessionName=\"" + session
                    + "\",clusterName=\"in-count\"}")).isEqualTo(5);
            assertThat(sample(text, "session_packet_counter_total{sessionName=\"" + session
                    + "\",clusterName=\"out-count\"}")).isEqualTo(1);
            assertThat(sample(text, "l7mp_listener_sessions_total{listener=\"in\"}")).isEqualTo(1);
        }
    }
}
