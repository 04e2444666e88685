package io.l7mp.rest;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recursive deletes take the embedded objects and the sessions running through them along; removeOrphanSessions
 * ends the sessions of what a plain delete removed; {@code GET /config} loads back as a static config file.
 */
class DeletesAndRoundTripTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    @TempDir
    Path tmp;

    private static L7mp start(AdminSpec admin) throws Exception {
        final L7mp proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0).admin(admin)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    private static boolean anySession(L7mp proxy, Predicate<SessionInfo> p) {
        return proxy.sessions().stream().anyMatch(p);
    }

    private static InetSocketAddress at(L7mp proxy, String listener) {
        return new InetSocketAddress("127.0.0.1", proxy.listener(listener).port());
    }

    /** A listener whose rule, route, destination and ingress stage are all inline. */
    private static String inlineListener(String name, int backend, int transform) {
        return """
                listener:
                  name: %s
                  spec: { protocol: UDP, port: 0, address: 127.0.0.1 }
                  rules:
                    - action:
                        route:
                          destination: { spec: { protocol: UDP, port: %d }, endpoints: [ { spec: { address: 127.0.0.1 } } ] }
                          ingress: [ { spec: { protocol: UDP, port: %d }, endpoints: [ { spec: { address: 127.0.0.1 } } ] } ]
                """.formatted(name, backend, transform);
    }

    @Test
    void aRecursiveListenerDeleteRemovesEverythingItDefinedAndEndsItsSessions() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "B:");
             UdpEchoServer transform = new UdpEchoServer("127.0.0.1", "T:");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = start(AdminSpec.DEFAULT)) {
            final Api api = Api.of(proxy);
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", inlineListener("in", backend.port(),
                    transform.port())));
            assertThat(RestApiTest.roundTrip(client, at(proxy, "in"), "x")).isEqualTo("B:T:x");
            final String rl = api.get("/api/v1/listeners/in").json().get("rules").asText();
            final String rule = api.get("/api/v1/rulelists/" + rl).json().get("rules").get(0).asText();
            final String route = api.get("/api/v1/rules/" + rule).json().at("/action/route").asText();
            final JsonNode r = api.get("/api/v1/routes/" + route).json();
            final String dest = r.get("destination").asText();
            final String ingress = r.get("ingress").get(0).asText();
            assertThat(List.of(rl, rule, route, dest, ingress)).allMatch(n -> n.startsWith("in-"));
            assertThat(anySession(proxy, s -> s.listener().equals("in"))).isTrue();

            RestApiTest.assertOk(api.delete("/api/v1/listeners/in?recursive=true"));
            for (final String gone : List.of("/listeners/in", "/rulelists/" + rl, "/rules/" + rule, "/routes/" + route,
                    "/clusters/" + dest, "/clusters/" + ingress)) {
                assertThat(api.get("/api/v1" + gone).status()).as(gone).isEqualTo(404);
            }
            Await.until(WAIT, "the listener's session to end", () -> !anySession(proxy,
                    s -> s.listener().equals("in")));
            assertThat(api.get("/api/v1/clusters/echo").status()).isEqualTo(200);
        }
    }

    @Test
    void aRecursiveRouteDeleteEndsTheSessionsThroughItsInlineClustersAndAPlainOneKeepsThem() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "B:");
             UdpEchoServer transform = new UdpEchoServer("127.0.0.1", "T:");
             DatagramSocket c1 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket c2 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = start(AdminSpec.DEFAULT)) {
            final Api api = Api.of(proxy);
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", inlineListener("plain", backend.port(),
                    transform.port())));
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", inlineListener("deep", backend.port(),
                    transform.port())));
            assertThat(RestApiTest.roundTrip(c1, at(proxy, "plain"), "1")).isEqualTo("B:T:1");
            assertThat(RestApiTest.roundTrip(c2, at(proxy, "deep"), "2")).isEqualTo("B:T:2");
            final String plainRoute = proxy.sessions().stream().filter(s -> s.listener().equals("plain"))
                    .findFirst().orElseThrow().route();
            final String deepRoute = proxy.sessions().stream().filter(s -> s.listener().equals("deep"))
                    .findFirst().orElseThrow().route();
            final String plainDest = api.get("/api/v1/routes/" + plainRoute).json().get("destination").asText();
            final String deepDest = api.get("/api/v1/routes/" + deepRoute).json().get("destination").asText();

            RestApiTest.assertOk(api.delete("/api/v1/routes/" + plainRoute));
            assertThat(api.get("/api/v1/clusters/" + plainDest).status()).isEqualTo(200);
            assertThat(RestApiTest.roundTrip(c1, at(proxy, "plain"), "3")).isEqualTo("B:T:3");

            RestApiTest.assertOk(api.delete("/api/v1/routes/" + deepRoute + "?recursive=true"));
            assertThat(api.get("/api/v1/clusters/" + deepDest).status()).isEqualTo(404);
            Await.until(WAIT, "the session through the deleted clusters to end", () -> !anySession(proxy,
                    s -> s.listener().equals("deep")));
            assertThat(anySession(proxy, s -> s.listener().equals("plain"))).isTrue();
            assertThat(api.get("/api/v1/listeners/deep").status()).isEqualTo(200);
        }
    }

    @Test
    void removeOrphanSessionsEndsOnlyTheSessionsOfWhatTheDeleteRemoved() throws Exception {
        try (UdpEchoServer a = new UdpEchoServer("127.0.0.1", "A:");
             UdpEchoServer b = new UdpEchoServer("127.0.0.1", "B:");
             DatagramSocket c1 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket c2 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = start(AdminSpec.DEFAULT)) {
            final Api api = Api.of(proxy);
            RestApiTest.assertOk(api.postYaml("/api/v1/config", """
                    clusters:
                      - { name: two, spec: { protocol: UDP }, endpoints: [ { name: ea, spec: { address: 127.0.0.1, port: %d } }, { name: eb, spec: { address: 127.0.0.1, port: %d } } ], loadbalancer: { policy: ConsistentHash, key: /UDP/src_port } }
                    listeners:
                      - { name: in, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: [ { action: { route: { destination: two } } } ] }
                    """.formatted(a.port(), b.port())));
            // Two clients; with enough tries, each endpoint gets one (the hash of the source port decides).
            final String first = RestApiTest.roundTrip(c1, at(proxy, "in"), "1");
            String second = RestApiTest.roundTrip(c2, at(proxy, "in"), "2");
            DatagramSocket extra = null;
            for (int i = 0; i < 20 && second.charAt(0) == first.charAt(0); i++) {
                if (extra != null) {
                    extra.close();
                }
                extra = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                second = RestApiTest.roundTrip(extra, at(proxy, "in"), "2");
            }
            try {
                assertThat(second.charAt(0)).isNotEqualTo(first.charAt(0));
                final String onA = first.startsWith("A:") ? "ea" : "eb";
                final Predicate<SessionInfo> throughA = s -> s.destination() != null
                        && onA.equals(s.destination().endpoint());
                assertThat(anySession(proxy, throughA)).isTrue();
                final java.util.Set<String> others = new java.util.HashSet<>();
                proxy.sessions().stream().filter(s -> s.listener().equals("in") && !throughA.test(s))
                        .forEach(s -> others.add(s.name()));
                assertThat(others).isNotEmpty();
                RestApiTest.assertOk(api.delete("/api/v1/endpoints/" + onA + "?removeOrphanSessions=true"));
                Await.until(WAIT, "the endpoint's sessions to end", () -> !anySession(proxy, throughA));
                assertThat(proxy.sessions().stream().map(SessionInfo::name)).containsAll(others);
            } finally {
                if (extra != null) {
                    extra.close();
                }
            }
        }
    }

    @Test
    void getConfigLoadsBackAsAStrictStaticConfigFile() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = start(AdminSpec.DEFAULT.withStrict(true).withLogLevel("notice"))) {
            final Api api = Api.of(proxy);
            RestApiTest.assertOk(api.postYaml("/api/v1/config", """
                    clusters:
                      - name: up
                        spec: { protocol: UDP, port: %d }
                        endpoints: [ { name: e1, spec: { address: 127.0.0.1 }, weight: 2 }, { spec: { address: 127.0.0.1, port: %d } } ]
                        loadbalancer: { policy: ConsistentHash, key: /IP/src_addr }
                    routes:
                      - { name: r-named, destination: up, retry: { retry_on: always, num_retries: 2, timeout: 300 } }
                    rules:
                      - { name: ru-named, match: { op: test, path: /UDP/dst_port, value: 1 }, action: { route: r-named } }
                    rulelists:
                      - name: rl
                        rules:
                          - ru-named
                          - action: { rewrite: [ { path: /labels/x, value: 1 } ], route: { destination: up, ingress: [ { spec: { protocol: Echo } } ] } }
                    listeners:
                      - { name: by-name, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: rl, options: { track: 10 } }
                      - { name: inline, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: [ { action: { route: { destination: { spec: { protocol: Echo } } } } } ] }
                    """.formatted(backend.port(), backend.port())));
            assertThat(RestApiTest.roundTrip(client, at(proxy, "by-name"), "live")).isEqualTo("live");
            final String dumped = api.get("/api/v1/config").body();
            assertThat(Api.JSON.readTree(dumped).get("sessions").size()).isGreaterThanOrEqualTo(2);
            final Path file = tmp.resolve("running.json");
            Files.writeString(file, dumped, StandardCharsets.UTF_8);

            final Config cfg = ConfigCodec.defaults().strict(true).read(file);
            try (L7mp copy = L7mp.builder().config(cfg).build()) {
                copy.start().get(5, SECONDS);
                final ConfigCodec codec = proxy.codec();
                assertThat(codec.toTree(copy.config().withAdmin(null)))
                        .isEqualTo(codec.toTree(proxy.config().withAdmin(null)));
                assertThat(copy.admin().isStrict()).isTrue();
                assertThat(copy.admin().logLevel()).isEqualTo("notice");
                try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    assertThat(RestApiTest.roundTrip(c, at(copy, "inline"), "copy")).isEqualTo("copy");
                }
                // And once more: the copy's dump equals the original's, sessions aside.
                final JsonNode again = Api.JSON.readTree(Api.of(copy).get("/api/v1/config").body());
                final JsonNode orig = Api.JSON.readTree(dumped);
                for (final String k : List.of("listeners", "clusters", "rulelists", "rules", "routes", "endpoints")) {
                    assertThat(again.get(k)).as(k).isEqualTo(orig.get(k));
                }
            }
        }
    }
}
