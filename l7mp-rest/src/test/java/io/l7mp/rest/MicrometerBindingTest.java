package io.l7mp.rest;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.protocol.TcpSpec;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.HealthCheckSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Micrometer binding against real traffic: the same meters, with the same values, as the Prometheus endpoint. */
class MicrometerBindingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Returns the Prometheus series name of a meter, as Micrometer's Prometheus naming convention writes it. */
    private static String series(Meter m) {
        String name = m.getId().getName().replace('.', '_');
        if (m.getId().getType() == Meter.Type.COUNTER) {
            name += "_total";
        }
        final String labels = m.getId().getTags().stream()
                .map(t -> t.getKey() + "=\"" + t.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(","));
        return name + "{" + labels + "}";
    }

    private static Map<String, Double> meters(SimpleMeterRegistry registry) {
        final Map<String, Double> m = new TreeMap<>();
        for (final Meter meter : registry.getMeters()) {
            m.put(series(meter), meter.measure().iterator().next().getValue());
        }
        return m;
    }

    private static Map<String, Double> scrape(Api prom) {
        final Api.Reply r = prom.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        return parse(r.body());
    }

    /** Returns the samples of a Prometheus text exposition by series, labels sorted by name. */
    private static Map<String, Double> parse(String text) {
        final Map<String, Double> m = new TreeMap<>();
        for (final String line : text.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                final int sp = line.lastIndexOf(' ');
                final String series = line.substring(0, sp);
                final int brace = series.indexOf('{');
                final String name = brace < 0 ? series : series.substring(0, brace);
                final String labels = brace < 0 ? "" : series.substring(brace + 1, series.length() - 1);
                final String sorted = labels.isEmpty() ? "" : java.util.Arrays.stream(labels.split(",(?=[a-z_]+=\")"))
                        .sorted().collect(Collectors.joining(","));
                m.put(name + "{" + sorted + "}", Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return m;
    }

    /** The scrape's own HTTP session runs through these while the endpoint renders, so their numbers differ. */
    private static boolean movesWhileScraping(String series) {
        return series.contains("\"prometheus-") || series.startsWith("l7mp_sessions{");
    }

    private static double value(SimpleMeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).meter().measure().iterator().next().getValue();
    }

    @Test
    void theRegistryGetsTheSameMetersAsThePrometheusEndpointAndFollowsChanges() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = RestApi.addPrometheusTo(RestApi.addTo(L7mp.builder(), "127.0.0.1", 0), "127.0.0.1", 0)
                     .cluster("up", c -> c.spec(UdpSpec.port(backend.port()))
                             .endpoint(EndpointSpec.of("127.0.0.1").withName("ep-1")))
                     .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            final L7mpMeterBinder binder = new L7mpMeterBinder(proxy);
            binder.bindTo(registry);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            assertThat(RestApiTest.roundTrip(client, to, "hello")).isEqualTo("hello");
            assertThat(RestApiTest.roundTrip(client, to, "again")).isEqualTo("again");

            final Map<String, Double> prometheus = scrape(new Api(proxy.listener(RestApi.PROMETHEUS_LISTENER).port()));
            final Map<String, Double> micrometer = meters(registry);
            assertThat(micrometer.keySet()).isEqualTo(prometheus.keySet());
            prometheus.forEach((k, v) -> {
                if (!movesWhileScraping(k)) {
                    assertThat(micrometer.get(k)).as(k).isEqualTo(v);
                }
            });
            assertThat(value(registry, "l7mp.listener.sessions", "listener", "in")).isEqualTo(1);
            assertThat(value(registry, "l7mp.listener.ingress.bytes", "listener", "in")).isEqualTo(10);
            assertThat(value(registry, "l7mp.listener.ingress.packets", "listener", "in")).isEqualTo(2);
            assertThat(value(registry, "l7mp.cluster.egress.bytes", "cluster", "up")).isEqualTo(10);
            assertThat(value(registry, "l7mp.endpoint.sessions", "cluster", "up", "endpoint", "ep-1")).isEqualTo(1);
            assertThat(value(registry, "l7mp.listener.active.sessions", "listener", "in")).isEqualTo(1);
            assertThat(value(registry, "l7mp.sessions", "status", "CONNECTED")).isEqualTo(1);
            assertThat(registry.get("l7mp.listener.ingress.bytes").meter().getId().getBaseUnit()).isEqualTo("bytes");
            assertThat(registry.get("l7mp.info").tag("version", L7mp.VERSION).gauge().value()).isEqualTo(1);

            // A Prometheus registry renders the binding as exactly the endpoint's series.
            final PrometheusMeterRegistry promRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            binder.bindTo(promRegistry);
            final Map<String, Double> rendered = parse(promRegistry.scrape());
            assertThat(rendered.keySet()).isEqualTo(prometheus.keySet());
            prometheus.forEach((k, v) -> {
                if (!movesWhileScraping(k)) {
                    assertThat(rendered.get(k)).as(k).isEqualTo(v);
                }
            });

            // An object added later gets its meters once a session starts through it, without a call to refresh.
            final Api api = Api.of(proxy);
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                    listener: { name: later, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: [ { action: { route: { destination: up } } } ] }
                    """));
            try (DatagramSocket c2 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                assertThat(RestApiTest.roundTrip(c2, new InetSocketAddress("127.0.0.1",
                        proxy.listener("later").port()), "third")).isEqualTo("third");
            }
            // The binder registers an object's meters one after another off the event loops: wait for the ones
            // read below, not only the first (reading ingress.bytes right after sessions appeared failed in a run).
            Await.until(WAIT, "meters of the listener added later", () -> registry.find("l7mp.listener.sessions")
                    .tag("listener", "later").meter() != null && registry.find("l7mp.listener.ingress.bytes")
                    .tag("listener", "later").meter() != null);
            assertThat(value(registry, "l7mp.listener.ingress.bytes", "listener", "later")).isEqualTo(5);
            assertThat(value(registry, "l7mp.endpoint.sessions", "cluster", "up", "endpoint", "ep-1")).isEqualTo(2);

            // A deleted one loses them once the registry reads the session gauges (as a scrape does).
            RestApiTest.assertOk(api.delete("/api/v1/listeners/later"));
            Await.until(WAIT, "the deleted listener's meters to go", () -> {
                value(registry, "l7mp.sessions", "status", "CONNECTED");
                return registry.find("l7mp.listener.sessions").tag("listener", "later").meter() == null;
            });
            RestApiTest.assertOk(api.delete("/api/v1/clusters/echo"));
            binder.refresh();
            assertThat(registry.find("l7mp.cluster.sessions").tag("cluster", "echo").meter()).isNull();
            assertThat(registry.find("l7mp.cluster.sessions").tag("cluster", "up").meter()).isNotNull();

            binder.close();
            assertThat(registry.getMeters()).isEmpty();
        }
    }

    @Test
    void anEndpointOfACheckedClusterHasTheUpGaugeOfThePrometheusEndpointAndItsHealthTagFollowsTheCheck()
            throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (L7mp proxy = RestApi.addPrometheusTo(L7mp.builder(), "127.0.0.1", 0)
                .cluster("up", c -> c.spec(TcpSpec.port(port)).endpoint(EndpointSpec.of("127.0.0.1").withName("ep"))
                        .healthCheck(HealthCheckSpec.every(Duration.ofMillis(50), Duration.ofMillis(500))
                                .withThresholds(1, 1)))
                .cluster("plain", c -> c.spec(TcpSpec.port(port))
                        .endpoint(EndpointSpec.of("127.0.0.1").withName("unchecked")))
                .build();
             L7mpMeterBinder binder = new L7mpMeterBinder(proxy)) {
            proxy.start().get(5, SECONDS);
            final SimpleMeterRegistry registry = new SimpleMeterRegistry();
            binder.bindTo(registry);
            final Api prom = new Api(proxy.listener(RestApi.PROMETHEUS_LISTENER).port());
            Await.until(WAIT, "the gauge to show the endpoint down", () -> {
                binder.refresh();
                return registry.find("l7mp.endpoint.up").tags("cluster", "up", "endpoint", "ep", "health", "unhealthy")
                        .gauge() != null;
            });
            assertThat(value(registry, "l7mp.endpoint.up", "cluster", "up", "health", "unhealthy")).isZero();
            assertThat(registry.find("l7mp.endpoint.up").tag("health", "healthy").gauge()).as("replaced").isNull();
            assertThat(registry.find("l7mp.endpoint.up").tag("cluster", "plain").gauge()).as("no check").isNull();
            assertThat(registry.get("l7mp.endpoint.up").gauge().getId().getDescription())
                    .isEqualTo("1 while the endpoint gets new sessions, 0 while its cluster's health check or circuit "
                            + "breaker keeps it out.");
            final Map<String, Double> up = new TreeMap<>(meters(registry));
            up.keySet().removeIf(k -> !k.startsWith("l7mp_endpoint_up"));
            final Map<String, Double> scraped = new TreeMap<>(scrape(prom));
            scraped.keySet().removeIf(k -> !k.startsWith("l7mp_endpoint_up"));
            assertThat(up).isEqualTo(scraped)
                    .isEqualTo(Map.of("l7mp_endpoint_up{cluster=\"up\",endpoint=\"ep\",health=\"unhealthy\"}", 0.0));

            // The endpoint comes up (its probes are connects that a listening socket completes without accepting).
            try (ServerSocket back = new ServerSocket(port, 500, InetAddress.getLoopbackAddress())) {
                Await.until(WAIT, "the gauge to show the endpoint up", () -> {
                    binder.refresh();
                    return registry.find("l7mp.endpoint.up").tag("health", "healthy").gauge() != null;
                });
                assertThat(value(registry, "l7mp.endpoint.up", "cluster", "up", "health", "healthy")).isEqualTo(1);
                assertThat(registry.find("l7mp.endpoint.up").tag("health", "unhealthy").gauge()).isNull();
            }
        }
    }

    @Test
    void twoRegistriesGetTheMetersAndClosingOneBinderLeavesOthersMeters() throws Exception {
        try (L7mp proxy = L7mp.builder().cluster("echo", c -> c.spec(ProtocolSpec.of("Echo"))).build()) {
            proxy.start().get(5, SECONDS);
            final SimpleMeterRegistry a = new SimpleMeterRegistry();
            final SimpleMeterRegistry b = new SimpleMeterRegistry();
            a.counter("app.requests").increment();
            final L7mpMeterBinder binder = new L7mpMeterBinder(proxy);
            binder.bindTo(a);
            binder.bindTo(b);
            binder.bindTo(a);
            assertThat(meters(a).keySet()).contains("l7mp_cluster_sessions_total{cluster=\"echo\"}",
                    "app_requests_total{}");
            assertThat(meters(b).keySet()).isEqualTo(meters(a).keySet().stream()
                    .filter(k -> !k.startsWith("app_")).collect(Collectors.toSet()));
            binder.close();
            assertThat(a.getMeters()).extracting(m -> m.getId().getName()).containsExactly("app.requests");
            assertThat(b.getMeters()).isEmpty();
            assertThat(a.get("app.requests").counter().getId().getTags()).isEqualTo(java.util.List.<Tag>of());
        }
    }
}
