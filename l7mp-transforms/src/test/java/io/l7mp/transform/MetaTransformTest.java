package io.l7mp.transform;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.testing.Await;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaTransformTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void aChainOfTransformsRunsAsOneStage(@TempDir Path dir) throws Exception {
        final Path log = dir.resolve("chain.log");
        final var cfg = ConfigCodec.defaults().readConfig("""
                clusters:
                  - name: echo
                    spec: {protocol: Echo}
                  - name: chain
                    spec:
                      protocol: MetaTransform
                      transforms:
                        - {protocol: Metric}
                        - {protocol: JSONEncap}
                        - {protocol: Logger, log_file: "%s", log_prefix: wire}
                        - {protocol: JSONDecap}
                listeners:
                  - name: in
                    spec: {protocol: UDP, address: 127.0.0.1, port: 0}
                    rules: [{action: {route: {destination: echo, ingress: [chain], egress: [chain]}}}]
                """.formatted(log), true);
        // The spec writes back as it was read (GET /config), inner specs with their defaults.
        final ConfigCodec codec = ConfigCodec.defaults();
        assertThat(codec.toTree(cfg.clusters().get(1).spec()).toString()).isEqualTo("{\"protocol\":\"MetaTransform\","
                + "\"transforms\":[{\"protocol\":\"Metric\"},{\"protocol\":\"JSONEncap\"},{\"protocol\":\"Logger\","
                + "\"log_file\":\"" + log + "\",\"log_prefix\":\"wire\"},{\"protocol\":\"JSONDecap\"}]}");
        assertThat(codec.read(codec.toTree(cfg.clusters().get(1).spec()), ProtocolSpec.class, "spec"))
                .isEqualTo(cfg.clusters().get(1).spec());
        try (L7mp proxy = L7mp.builder().config(cfg).build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            assertThat(client.roundTrip(to, "hello")).isEqualTo("hello");
            assertThat(client.roundTrip(to, "world")).isEqualTo("world");
            // Each passage (ingress and egress) logged the envelope on the wire between encap and decap.
            Await.until(WAIT, "4 envelopes logged", () -> LoggerTest.read(log).lines().count() == 4);
            final String first = Files.readString(log, UTF_8).lines().findFirst().orElseThrow();
            assertThat(first).startsWith("wire: {\"metadata\":{\"name\":\"UDP:").endsWith(",\"payload\":\"aGVsbG8=\"}");
            // Inner clusters are named after the chain and their position.
            assertThat(Metrics.snapshot().get("chain/transforms[0]").packets()).isEqualTo(4);
            assertThat(proxy.sessions().get(0).ingress().get(0).toString()).contains("Metric > JSONEncap > Logger");
        }
    }

    @Test
    void aChainEndingInEchoIsADestination() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("upper-echo", c -> c.spec(MetaTransformSpec.of(MetricSpec.of(), ProtocolSpec.of("Echo"))))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("upper-echo"))))
                .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            assertThat(client.roundTrip(Udp.of(proxy, "in"), "ping")).isEqualTo("ping");
            assertThat(Metrics.snapshot().get("upper-echo/transforms[0]").bytes()).isEqualTo(4);
        }
    }

    @Test
    void aMetaClusterWrapsAClusterWithEndpointsInTransforms() throws Exception {
        try (Udp upstream = new Udp();
             L7mp proxy = L7mp.builder()
                     .cluster("json-udp", c -> c.spec(MetaClusterSpec.of(List.of(ProtocolSpec.of("JSONEncap")),
                                     UdpSpec.port(upstream.port()), List.of(ProtocolSpec.of("JSONDecap"))))
                             .endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("json-udp"))))
                     .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            client.send(Udp.of(proxy, "in"), "hello");
            // The service behind the meta-cluster speaks envelopes both ways.
            final JsonNode env = new ObjectMapper().readTree(upstream.receive());
            assertThat(Base64.getDecoder().decode(env.get("payload").asText())).isEqualTo("hello".getBytes(UTF_8));
            assertThat(env.at("/metadata/UDP/src_port").asInt()).isEqualTo(client.port());
            upstream.send(upstream.lastSender(), "{\"payload\":\"" + Base64.getEncoder().encodeToString(
                    "reply".getBytes(UTF_8)) + "\"}");
            assertThat(client.receive()).isEqualTo("reply");
            assertThat(proxy.sessions().get(0).destination().endpoint()).isNotNull();
        }
    }

    @Test
    void innerSpecsAreCheckedWhenTheClusterIsCreated() {
        // Unknown names are found when the config is read, with their path.
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig("""
                clusters: [{name: c, spec: {protocol: MetaTransform, transforms: [{protocol: Nope}]}}]
                """, true)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("clusters[0].spec.transforms[0].protocol: \"Nope\"");
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig(
                "clusters: [{name: c, spec: {protocol: MetaTransform, transforms: []}}]", true))
                .hasMessage("clusters[0].spec.transforms: [] (expected: a list of transform specs or cluster names)");
        // A cluster with endpoints is not a transform: the proxy refuses it when it creates the cluster.
        try (L7mp proxy = L7mp.builder()
                .cluster("c", c -> c.spec(MetaTransformSpec.of(UdpSpec.port(9))))
                .build()) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ConfigException.class)
                    .hasMessageContaining("spec.transforms[0].protocol: \"UDP\" (expected: a transform without "
                            + "endpoints");
        }
        try (L7mp proxy = L7mp.builder()
                .cluster("c", c -> c.spec(MetaClusterSpec.of(List.of(), ProtocolSpec.of("Echo"), List.of())))
                .build()) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS))
                    .cause().hasMessageContaining("spec.cluster.protocol: \"Echo\" (expected: a protocol with "
                            + "endpoints");
        }
    }

    @Test
    void elementsMayNameRunningClustersLookedUpForEachSession() throws Exception {
        final var cfg = ConfigCodec.defaults().readConfig("""
                clusters:
                  - {name: metric, spec: {protocol: Metric}}
                  - {name: counted-echo, spec: {protocol: MetaTransform, transforms: [metric, {protocol: Echo}]}}
                  - name: tapped-udp
                    spec: {protocol: MetaCluster, ingress: [metric], cluster: {protocol: UDP, port: 9}}
                    endpoints: [{spec: {address: 127.0.0.1}}]
                listeners:
                  - name: a
                    spec: {protocol: UDP, address: 127.0.0.1, port: 0}
                    rules: [{action: {route: {destination: counted-echo}}}]
                """, true);
        final ConfigCodec codec = ConfigCodec.defaults();
        // Names write back as names.
        assertThat(codec.toTree(cfg.clusters().get(1).spec()).toString()).isEqualTo("{\"protocol\":\"MetaTransform\","
                + "\"transforms\":[\"metric\",{\"protocol\":\"Echo\"}]}");
        assertThat(codec.read(codec.toTree(cfg.clusters().get(2).spec()), ProtocolSpec.class, "spec"))
                .isEqualTo(cfg.clusters().get(2).spec());
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp proxy = L7mp.builder().config(cfg).build();
             Udp client = new Udp()) {
            proxy.subscribe(events::add);
            proxy.start().get(5, SECONDS);
            assertThat(client.roundTrip(Udp.of(proxy, "a"), "ping")).isEqualTo("ping");
            assertThat(Metrics.snapshot().get("metric").packets()).isEqualTo(1);
            assertThat(proxy.cluster("metric").stats().sessions()).isEqualTo(1);
            // Deleted, the named cluster fails the sessions that need it; added again, it is found anew.
            proxy.deleteCluster("metric", false).get(5, SECONDS);
            try (Udp other = new Udp()) {
                other.send(Udp.of(proxy, "a"), "lost");
                Await.until(WAIT, "the session without its element to fail", () -> events.stream()
                        .anyMatch(e -> "ERROR".equals(e.event())
                                && "counted-echo: cluster \"metric\" not found".equals(e.content())));
            }
            proxy.addCluster(io.l7mp.spec.ClusterSpec.builder("metric").spec(MetricSpec.of()).build())
                    .get(5, SECONDS);
            try (Udp third = new Udp()) {
                assertThat(third.roundTrip(Udp.of(proxy, "a"), "again")).isEqualTo("again");
            }
            assertThat(Metrics.snapshot().get("metric").packets()).isEqualTo(1);
        }
    }

    @Test
    void aNamedClusterWithEndpointsInAChainIsReachedThroughItsOwnBalancer() throws Exception {
        try (Udp upstream = new Udp();
             L7mp proxy = L7mp.builder()
                     .cluster("metric", c -> c.spec(MetricSpec.of()))
                     .cluster("service", c -> c.spec(UdpSpec.port(upstream.port())).endpoint("127.0.0.1"))
                     // A remote service inside a chain: what it answers comes out of the chain.
                     .cluster("via-service", c -> c.spec(MetaTransformSpec.of(Ref.to("metric"), Ref.to("service"))))
                     .cluster("tapped", c -> c.spec(MetaClusterSpec.of(List.of(), UdpSpec.port(upstream.port()),
                             List.of()).withIngress(List.of(Ref.to("metric")))).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("via-service"))))
                     .listener("in2", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("tapped"))))
                     .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            client.send(Udp.of(proxy, "in"), "hello");
            assertThat(upstream.receive()).isEqualTo("hello");
            upstream.send(upstream.lastSender(), "answer");
            assertThat(client.receive()).isEqualTo("answer");
            assertThat(proxy.cluster("service").stats().sessions()).isEqualTo(1);
            client.send(Udp.of(proxy, "in2"), "tap");
            assertThat(upstream.receive()).isEqualTo("tap");
            assertThat(Metrics.snapshot().get("metric").packets()).isEqualTo(2);
        }
    }

    @Test
    void aChainNamingItselfIsRefusedAndALoopFailsTheSession() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("self", c -> c.spec(MetaTransformSpec.of(Ref.to("self"))))
                .build()) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).cause().isInstanceOf(ConfigException.class)
                    .hasMessage("spec.transforms[0]: \"self\" is this cluster itself (expected: another cluster)");
        }
        try (L7mp proxy = L7mp.builder()
                .cluster("a", c -> c.spec(MetaTransformSpec.of(Ref.to("b"))))
                .cluster("b", c -> c.spec(MetaTransformSpec.of(Ref.to("a"))))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("a"))))
                .build();
             Udp client = new Udp()) {
            final List<SessionEvent> events = new CopyOnWriteArrayList<>();
            proxy.subscribe(events::add);
            proxy.start().get(5, SECONDS);
            client.send(Udp.of(proxy, "in"), "x");
            Await.until(WAIT, "the session to fail on the loop", () -> events.stream()
                    .anyMatch(e -> "ERROR".equals(e.event()) && e.content().contains("clusters name each other in a "
                            + "loop (deeper than 8)")));
        }
    }
}
