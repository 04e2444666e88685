package io.l7mp.rest;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.L7mpBuilder;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every path and verb of the API over real HTTP, in JSON and YAML, with l7mp's envelopes and shapes. */
class RestApiTest {
    static final Duration WAIT = Duration.ofSeconds(5);
    private final List<AutoCloseable> closing = new ArrayList<>();

    L7mp start(UnaryOperator<L7mpBuilder> extra) throws Exception {
        final L7mp proxy = extra.apply(RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)).build();
        closing.add(0, proxy);
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    @AfterEach
    void close() throws Exception {
        for (final AutoCloseable c : closing) {
            c.close();
        }
    }

    static String roundTrip(DatagramSocket c, InetSocketAddress to, String msg) throws Exception {
        c.setSoTimeout(5_000);
        final byte[] b = msg.getBytes(US_ASCII);
        c.send(new DatagramPacket(b, b.length, to));
        final DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        c.receive(p);
        return new String(p.getData(), 0, p.getLength(), US_ASCII);
    }

    static void assertOk(Api.Reply r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asInt()).isEqualTo(200);
        assertThat(r.json().get("message").asText()).isEqualTo("OK");
    }

    static void assertError(Api.Reply r, int status, String message, String content) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.json().get("status").asInt()).isEqualTo(status);
        assertThat(r.json().get("message").asText()).isEqualTo(message);
        assertThat(r.content()).contains(content);
    }

    static JsonNode find(JsonNode list, String name) {
        for (final JsonNode n : list) {
            if (name.equals(n.path("name").asText())) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + list);
    }

    // ------------------------------------------------------------------ config, sessions, admin

    @Test
    void theConfigShowsTheControllerWithGeneratedNamesAndTheCallItselfAsASession() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        final JsonNode cfg = api.get("/api/v1/config").json();
        assertThat(cfg.at("/admin/log_level").asText()).isEqualTo("info");
        assertThat(cfg.at("/admin/version").asText()).isEqualTo(L7mp.VERSION);
        final JsonNode l = find(cfg.get("listeners"), "controller-listener");
        assertThat(l.get("rules").asText()).isEqualTo("controller-listener-RuleList-1");
        assertThat(find(cfg.get("clusters"), "l7mp-controller").at("/spec/protocol").asText())
                .isEqualTo("L7mpController");
        assertThat(find(cfg.get("rulelists"), "controller-listener-RuleList-1").get("rules").get(0).asText())
                .isEqualTo("controller-listener-RuleList-1-Rule-1");
        assertThat(find(cfg.get("rules"), "controller-listener-RuleList-1-Rule-1").at("/action/route").asText())
                .isEqualTo("controller-listener-RuleList-1-Rule-1-Route-1");
        assertThat(find(cfg.get("routes"), "controller-listener-RuleList-1-Rule-1-Route-1").get("destination")
                .asText()).isEqualTo("l7mp-controller");
        assertThat(cfg.get("endpoints").isArray()).isTrue();
        assertThat(cfg.get("sessions")).hasSize(1);

        final Api.Reply sessions = api.get("/api/v1/sessions");
        assertThat(sessions.status()).isEqualTo(200);
        assertThat(sessions.headers().firstValue("content-type")).hasValue("application/json");
        final JsonNode own = sessions.json().get(0);
        assertThat(own.get("name").asText()).matches("HTTP:127\\.0\\.0\\.1:\\d+-127\\.0\\.0\\.1:\\d+-\\d+");
        assertThat(own.get("status").asText()).isEqualTo("CONNECTED");
        assertThat(own.at("/source/origin").asText()).isEqualTo("controller-listener");
        assertThat(own.at("/source/listener/protocol").asText()).isEqualTo("HTTP");
        assertThat(own.at("/destination/origin").asText()).isEqualTo("l7mp-controller");
        assertThat(own.at("/metadata/HTTP/url/path").asText()).isEqualTo("/api/v1/sessions");
        assertThat(own.get("events").get(0).get("event").asText()).isEqualTo("INIT");
    }

    /** A cluster's health check set over the API shows in its dump, with each endpoint's health, and loads back. */
    @Test
    void aClusterWithAHealthCheckShowsItsEndpointsHealth() throws Exception {
        final int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        assertOk(api.postYaml("/api/v1/clusters", """
                cluster:
                  name: up
                  spec: {protocol: TCP, port: %d}
                  endpoints: [{name: down, spec: {address: 127.0.0.1}}]
                  health_check: {interval: 50, timeout: 500, unhealthy_threshold: 1}
                  circuit_breaker: {consecutive_failures: 3}
                """.formatted(dead)));
        io.l7mp.testing.Await.until(Duration.ofSeconds(10), "the endpoint to fail its check",
                () -> "unhealthy".equals(api.get("/api/v1/endpoints/down").json().path("health").asText()));
        final JsonNode up = api.get("/api/v1/clusters/up?recursive=true").json();
        assertThat(up.at("/health_check/interval").asLong()).isEqualTo(50);
        assertThat(up.at("/health_check/healthy_threshold").asInt()).isEqualTo(2);
        assertThat(up.at("/circuit_breaker/consecutive_failures").asInt()).isEqualTo(3);
        assertThat(up.at("/circuit_breaker/open_timeout").asLong()).isEqualTo(30_000);
        assertThat(up.at("/endpoints/0/health").asText()).isEqualTo("unhealthy");
        final JsonNode cfg = api.get("/api/v1/config").json();
        assertThat(find(cfg.get("clusters"), "up").at("/health_check/unhealthy_threshold").asInt()).isEqualTo(1);
        assertError(api.postYaml("/api/v1/clusters", """
                cluster:
                  name: up2
                  spec: {protocol: UDP, port: 9}
                  endpoints: [{spec: {address: 127.0.0.1}}]
                  health_check: {}
                """), 400, "Bad Request", "cluster.health_check.send: missing");
        // An endpoint without a health check or breaker in its cluster shows no health, as in l7mp.
        assertOk(api.postYaml("/api/v1/clusters", """
                cluster:
                  name: plain
                  spec: {protocol: TCP, port: 9}
                  endpoints: [{name: p, spec: {address: 127.0.0.1}}]
                """));
        assertThat(api.get("/api/v1/endpoints/p").json().has("health")).isFalse();
    }

    /** PUT /config syncs declaratively: it answers what changed, and a second identical PUT changes nothing. */
    @Test
    void putConfigSyncsAndAnswersWhatChanged() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        final String desired = """
                clusters:
                  - {name: echo, spec: {protocol: Echo}}
                listeners:
                  - name: in
                    spec: {protocol: UDP, address: 127.0.0.1, port: 0}
                    rules: [{action: {route: {destination: echo}}}]
                """;
        final Api.Reply first = api.send("PUT", "/api/v1/config", Api.YAML, desired);
        assertOk(first);
        assertThat(first.json().at("/content/added")).hasSize(2);
        assertThat(first.json().at("/content/added/0").asText()).isEqualTo("cluster/echo");
        final Api.Reply again = api.send("PUT", "/api/v1/config", Api.YAML, desired);
        assertOk(again);
        assertThat(again.json().at("/content/unchanged").asInt()).isEqualTo(2);
        assertThat(again.json().at("/content/changed")).isEmpty();
        // The controller itself, which no sync made, is untouched by a sync that does not name it.
        final Api.Reply emptied = api.send("PUT", "/api/v1/config", Api.YAML, "clusters: []");
        assertOk(emptied);
        assertThat(emptied.json().at("/content/removed").toString()).isEqualTo("[\"listener/in\",\"cluster/echo\"]");
        assertThat(api.get("/api/v1/listeners/controller-listener").status()).isEqualTo(200);
        assertError(api.send("PUT", "/api/v1/config", Api.YAML, "clusters: [{spec: {protocol: Echo}}]"), 400,
                "Bad Request", "clusters[0].name: missing");
    }

    @Test
    void theConfigLoadsBackIntoAnIdenticalProxy() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        assertOk(api.postYaml("/api/v1/clusters", """
                cluster:
                  name: up
                  spec: { protocol: UDP, port: 16000 }
                  endpoints:
                    - spec: { address: 127.0.0.1 }
                      weight: 3
                    - { name: second, spec: { address: 127.0.0.2, port: 16001 } }
                  loadbalancer: { policy: ConsistentHash, key: IP/src_addr }
                """));
        assertOk(api.postYaml("/api/v1/listeners", """
                listener:
                  name: udp-in
                  spec: { protocol: UDP, port: 0, address: 127.0.0.1 }
                  rules:
                    - match: { op: starts, path: /IP/src_addr, value: "127." }
                      action:
                        rewrite: [ { path: /labels/tier, value: gold } ]
                        route:
                          destination: up
                          ingress: [ { spec: { protocol: Echo } } ]
                          retry: { retry_on: always, num_retries: 3, timeout: 500 }
                  options: { track: 5 }
                """));
        final String text = api.get("/api/v1/config").body();
        final JsonNode dumped = Api.JSON.readTree(text);
        assertThat(find(dumped.get("clusters"), "up").get("endpoints")).hasSize(2);
        final Config cfg = ConfigCodec.defaults().readConfig(text, false);
        try (L7mp copy = L7mp.builder().config(cfg).build()) {
            copy.start().get(5, SECONDS);
            assertThat(copy.codec().toTree(copy.config().withAdmin(null)))
                    .isEqualTo(proxy.codec().toTree(proxy.config().withAdmin(null)));
        }
    }

    @Test
    void adminCanBeReadAndChangedButNotItsSecuritySettings() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        final JsonNode admin = api.get("/api/v1/admin").json();
        assertThat(admin.get("log_level").asText()).isEqualTo("info");
        assertThat(admin.get("strict").asBoolean()).isFalse();
        assertThat(admin.get("version").asText()).isEqualTo(L7mp.VERSION);
        assertOk(api.post("/api/v1/admin", "{\"admin\": {\"log_level\": \"warn\", \"log_file\": \"stderr\"}}"));
        assertThat(api.get("/api/v1/admin").json().get("log_level").asText()).isEqualTo("warn");
        assertThat(proxy.admin().logFile()).isEqualTo("stderr");
        assertError(api.post("/api/v1/admin", "{\"admin\": {\"log_level\": \"loud\"}}"), 400, "Bad Request",
                "admin.log_level: \"loud\" (expected: one of");
        assertError(api.post("/api/v1/admin", "{\"admin\": {\"allow_local\": true}}"), 403, "Forbidden",
                "admin.allow_local: cannot be changed over the REST API");
        assertError(api.post("/api/v1/admin", "{\"admin\": {\"api_token\": \"t\"}}"), 403, "Forbidden",
                "admin.api_token: cannot be changed over the REST API");
        assertThat(proxy.admin().logLevel()).isEqualTo("warn");
        assertThat(proxy.admin().allowsLocal()).isFalse();
    }

    @Test
    void postConfigAddsEverythingAtOnceOrNothing() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        final JsonNode before = proxy.codec().toTree(proxy.config());
        assertError(api.postYaml("/api/v1/config", """
                clusters:
                  - { name: c1, spec: { protocol: Echo } }
                listeners:
                  - { name: l1, spec: { protocol: UDP, port: 70000 }, rules: [] }
                """), 400, "Bad Request", "listeners[0].spec.port: 70000 (expected: 0-65535)");
        assertThat(proxy.codec().toTree(proxy.config())).isEqualTo(before);
        assertOk(api.postYaml("/api/v1/config", """
                admin: { log_level: notice }
                clusters:
                  - { name: c1, spec: { protocol: Echo } }
                listeners:
                  - { name: l1, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: [ { action: { route: { destination: c1 } } } ] }
                """));
        assertThat(proxy.cluster("c1").name()).isEqualTo("c1");
        assertThat(proxy.listener("l1").port()).isPositive();
        assertThat(proxy.admin().logLevel()).isEqualTo("notice");
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThat(roundTrip(c, new InetSocketAddress("127.0.0.1", proxy.listener("l1").port()), "hi"))
                    .isEqualTo("hi");
        }
    }

    // ------------------------------------------------------------------ listeners

    @Test
    void listenersAreAddedReadAndDeletedInJsonAndYaml() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        assertOk(api.post("/api/v1/listeners", """
                {"listener": {"name": "l1", "spec": {"protocol": "UDP", "port": 0, "address": "127.0.0.1"},
                  "rules": [{"action": {"route": {"destination": {"spec": {"protocol": "Echo"}}}}}]}}"""));
        assertOk(api.send("POST", "/api/v1/listeners", "application/yaml; charset=utf-8", """
                listener:
                  name: l2
                  spec: { protocol: UDP, port: 0, address: 127.0.0.1 }
                  rules: l1-RuleList-2
                """));
        final JsonNode l1 = api.get("/api/v1/listeners/l1").json();
        assertThat(l1.get("name").asText()).isEqualTo("l1");
        assertThat(l1.at("/spec/protocol").asText()).isEqualTo("UDP");
        assertThat(l1.get("rules").asText()).isEqualTo("l1-RuleList-2");
        assertThat(l1.at("/options/track").asLong()).isZero();
        final JsonNode deep = api.get("/api/v1/listeners/l1?recursive=true").json();
        final JsonNode rule = deep.get("rules").get(0);
        assertThat(rule.get("name").asText()).isEqualTo("l1-RuleList-2-Rule-2");
        final JsonNode route = rule.at("/action/route");
        assertThat(route.get("name").asText()).isEqualTo("l1-RuleList-2-Rule-2-Route-2");
        assertThat(route.at("/destination/name").asText()).isEqualTo("l1-RuleList-2-Rule-2-Route-2-Cluster-1");
        assertThat(route.at("/destination/spec/protocol").asText()).isEqualTo("Echo");
        assertThat(route.get("ingress")).isEmpty();
        assertThat(route.at("/retry/retry_on").asText()).isEqualTo("never");
        assertThat(api.get("/api/v1/listeners").json()).hasSize(3);
        assertThat(api.get("/api/v1/listeners?recursive=true").json().get(0).get("rules").isArray()).isTrue();
        final String terse = api.get("/api/v1/listeners/l1?format=terse").body();
        assertThat(terse).doesNotContain("\n").startsWith("{\"name\":\"l1\"");
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThat(roundTrip(c, new InetSocketAddress("127.0.0.1", proxy.listener("l2").port()), "via-l2"))
                    .isEqualTo("via-l2");
        }
        assertError(api.post("/api/v1/listeners", "{\"listener\": {\"name\": \"l1\", \"spec\": {\"protocol\": "
                + "\"UDP\", \"port\": 0}, \"rules\": []}}"), 409, "Conflict", "listener.name: listener \"l1\" already exists");
        assertOk(api.delete("/api/v1/listeners/l2"));
        assertError(api.get("/api/v1/listeners/l2"), 404, "Not Found", "listener \"l2\" not found");
        assertError(api.delete("/api/v1/listeners/l2"), 404, "Not Found", "listener \"l2\" not found");
    }

    @Test
    void aNameWithAControlCharacterIs400NamingTheFieldAndTheCharacterAndAddsNothing() throws Exception {
        final L7mp proxy = start(b -> b.cluster("up", c -> c.spec(io.l7mp.protocol.UdpSpec.port(1))));
        final Api api = Api.of(proxy);
        final String expected = " at index 1; expected: a name without whitespace or control characters)";
        assertError(api.post("/api/v1/listeners", """
                {"listener": {"name": "l\\u0001", "spec": {"protocol": "UDP", "port": 0, "address": "127.0.0.1"},
                  "rules": []}}"""), 400, "Bad Request",
                "listener.name: \"l\\u0001\" (control character \\u0001" + expected);
        assertError(api.postYaml("/api/v1/clusters", "cluster: { name: \"c\\n\", spec: { protocol: Echo } }"),
                400, "Bad Request", "cluster.name: \"c\\u000a\" (control character \\u000a" + expected);
        assertError(api.post("/api/v1/clusters/up/endpoints",
                "{\"endpoint\": {\"name\": \"e\\u007f\", \"spec\": {\"address\": \"127.0.0.1\"}}}"), 400, "Bad Request",
                "endpoint.name: \"e\\u007f\" (control character \\u007f" + expected);
        assertError(api.post("/api/v1/rulelists", "{\"rulelist\": {\"name\": \"l\\t\", \"rules\": []}}"), 400,
                "Bad Request", "rulelist.name: \"l\\u0009\" (control character \\u0009" + expected);
        assertError(api.post("/api/v1/rules", "{\"rule\": {\"name\": \"r\\u2028\", \"action\": {\"route\": \"x\"}}}"),
                400, "Bad Request", "rule.name: \"r\\u2028\" (control character \\u2028" + expected);
        assertError(api.post("/api/v1/routes", "{\"route\": {\"name\": \"r\\u0085\", \"destination\": \"up\"}}"),
                400, "Bad Request", "route.name: \"r\\u0085\" (control character \\u0085" + expected);
        final JsonNode config = api.get("/api/v1/config").json();
        assertThat(config.get("listeners")).hasSize(1);
        assertThat(config.get("rulelists")).hasSize(1);
        assertThat(config.get("routes")).hasSize(1);
        assertThat(api.get("/api/v1/clusters/up").json().get("endpoints").asInt()).isZero();
    }

    @Test
    void aListenerWithoutRulesIs400AndOneWithEmptyRulesIsAdded() throws Exception {
        // l7mp refuses it ("Property rules is required"); [] is a listener whose rules come later, as in l7mp.
        final L7mp proxy = start(b -> b.cluster("echo", c -> c.spec(ProtocolSpec.of("Echo"))));
        final Api api = Api.of(proxy);
        assertError(api.postYaml("/api/v1/listeners", "listener: { name: bare, spec: { protocol: UDP, port: 0, "
                + "address: 127.0.0.1 } }"), 400, "Bad Request", "listener.rules: missing in listener \"bare\" "
                + "(expected: a RuleList name or a list of rules; [] for a listener whose rules are added later)");
        assertError(api.get("/api/v1/listeners/bare"), 404, "Not Found", "listener \"bare\" not found");
        assertOk(api.postYaml("/api/v1/listeners", "listener: { name: later, spec: { protocol: UDP, port: 0, "
                + "address: 127.0.0.1 }, rules: [] }"));
        final String list = api.get("/api/v1/listeners/later").json().get("rules").asText();
        assertOk(api.postYaml("/api/v1/rulelists/" + list + "/rules/0",
                "rule: { action: { route: { destination: echo } } }"));
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThat(roundTrip(c, new InetSocketAddress("127.0.0.1", proxy.listener("later").port()), "now"))
                    .isEqualTo("now");
        }
    }

    @Test
    void deletingAListenerPlainlyKeepsItsInlineObjectsAndRecursivelyRemovesThem() throws Exception {
        final L7mp proxy = start(b -> b.cluster("named", c -> c.spec(ProtocolSpec.of("Echo"))));
        final Api api = Api.of(proxy);
        final String listener = """
                listener:
                  name: %s
                  spec: { protocol: UDP, port: 0, address: 127.0.0.1 }
                  rules:
                    - action:
                        route:
                          destination: named
                          ingress: [ { spec: { protocol: Echo } } ]
                """;
        assertOk(api.postYaml("/api/v1/listeners", listener.formatted("plain")));
        assertOk(api.delete("/api/v1/listeners/plain"));
        assertThat(api.get("/api/v1/rulelists/plain-RuleList-2").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/rules/plain-RuleList-2-Rule-2").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/routes/plain-RuleList-2-Rule-2-Route-2").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/clusters/plain-RuleList-2-Rule-2-Route-2-ingress-Cluster-1").status())
                .isEqualTo(200);

        assertOk(api.postYaml("/api/v1/listeners", listener.formatted("deep")));
        assertOk(api.delete("/api/v1/listeners/deep?recursive=true"));
        assertThat(api.get("/api/v1/rulelists/deep-RuleList-3").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/rules/deep-RuleList-3-Rule-3").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/routes/deep-RuleList-3-Rule-3-Route-3").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/clusters/deep-RuleList-3-Rule-3-Route-3-ingress-Cluster-2").status())
                .isEqualTo(404);
        assertThat(api.get("/api/v1/clusters/named").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/rulelists/plain-RuleList-2").status()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ clusters and endpoints

    @Test
    void clustersAndEndpointsAreAddedReadAndDeleted() throws Exception {
        final L7mp proxy = start(b -> b.cluster("echo", c -> c.spec(ProtocolSpec.of("Echo"))));
        final Api api = Api.of(proxy);
        assertOk(api.postYaml("/api/v1/clusters", """
                cluster:
                  name: sticky
                  spec: { protocol: UDP, port: 16000 }
                  endpoints:
                    - spec: { address: 127.0.0.1 }
                      weight: 3
                    - spec: { address: 127.0.0.2 }
                    - spec: { address: 127.0.0.3 }
                  loadbalancer: { policy: ConsistentHash, key: IP/src_addr }
                """));
        final JsonNode c = api.get("/api/v1/clusters/sticky").json();
        assertThat(c.get("endpoints").asInt()).isEqualTo(3);
        assertThat(c.at("/loadbalancer/policy").asText()).isEqualTo("ConsistentHash");
        assertThat(c.at("/loadbalancer/key").asText()).isEqualTo("IP/src_addr");
        assertThat(c.at("/spec/port").asInt()).isEqualTo(16000);
        final JsonNode eps = api.get("/api/v1/clusters/sticky?recursive=true").json().get("endpoints");
        assertThat(eps).hasSize(3);
        assertThat(eps.get(0).get("name").asText()).matches("sticky-EndPoint-\\d+");
        assertThat(eps.get(0).get("weight").asInt()).isEqualTo(3);
        assertThat(eps.get(1).get("weight").asInt()).isEqualTo(1);
        assertThat(eps.get(2).at("/spec/address").asText()).isEqualTo("127.0.0.3");
        assertThat(api.get("/api/v1/clusters/sticky/endpoints").json()).isEqualTo(eps);
        final JsonNode echo = api.get("/api/v1/clusters/echo").json();
        assertThat(echo.get("endpoints").asInt()).isZero();
        assertThat(echo.at("/loadbalancer/policy").asText()).isEqualTo("Trivial");
        assertThat(api.get("/api/v1/clusters").json()).hasSize(3);

        assertOk(api.post("/api/v1/clusters/sticky/endpoints",
                "{\"endpoint\": {\"name\": \"fourth\", \"spec\": {\"address\": \"127.0.0.4\"}, \"weight\": 2}}"));
        final JsonNode fourth = api.get("/api/v1/endpoints/fourth").json();
        assertThat(fourth.get("name").asText()).isEqualTo("fourth");
        assertThat(fourth.at("/spec/address").asText()).isEqualTo("127.0.0.4");
        assertThat(fourth.get("weight").asInt()).isEqualTo(2);
        assertOk(api.postYaml("/api/v1/clusters/sticky/endpoints", "endpoint: { spec: { address: 127.0.0.5 } }"));
        assertThat(api.get("/api/v1/clusters/sticky").json().get("endpoints").asInt()).isEqualTo(5);
        assertError(api.post("/api/v1/clusters/sticky/endpoints",
                "{\"endpoint\": {\"name\": \"fourth\", \"spec\": {\"address\": \"127.0.0.9\"}}}"), 409, "Conflict",
                "endpoint \"fourth\" already exists");
        assertError(api.post("/api/v1/clusters/echo/endpoints", "{\"endpoint\": {\"spec\": {\"address\": \"x\"}}}"),
                400, "Bad Request", "takes no endpoints");
        assertError(api.post("/api/v1/clusters/none/endpoints", "{\"endpoint\": {\"spec\": {\"address\": \"x\"}}}"),
                404, "Not Found", "cluster \"none\" not found");
        assertOk(api.delete("/api/v1/endpoints/fourth"));
        assertError(api.get("/api/v1/endpoints/fourth"), 404, "Not Found", "endpoint \"fourth\" not found");
        assertOk(api.delete("/api/v1/clusters/sticky?recursive=true"));
        assertThat(api.get("/api/v1/clusters/sticky").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/endpoints/" + eps.get(0).get("name").asText()).status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------ rulelists, rules, routes

    @Test
    void ruleListsRulesAndRoutesAreAddedReadAndDeleted() throws Exception {
        final L7mp proxy = start(b -> b.cluster("echo", c -> c.spec(ProtocolSpec.of("Echo"))));
        final Api api = Api.of(proxy);
        assertOk(api.post("/api/v1/routes", "{\"route\": {\"name\": \"r1\", \"destination\": \"echo\"}}"));
        assertOk(api.postYaml("/api/v1/rules", """
                rule:
                  name: ru1
                  match: { op: test, path: /UDP/dst_port, value: 1 }
                  action: { route: r1 }
                """));
        assertOk(api.postYaml("/api/v1/rulelists", """
                rulelist:
                  name: rl1
                  rules:
                    - ru1
                    - action: { rewrite: [ { path: /labels/x, value: 1 } ], route: r1 }
                """));
        final JsonNode rl = api.get("/api/v1/rulelists/rl1").json();
        assertThat(rl.get("rules").get(0).asText()).isEqualTo("ru1");
        final String generated = rl.get("rules").get(1).asText();
        assertThat(generated).matches("rl1-Rule-\\d+");
        assertThat(api.get("/api/v1/rulelists/rl1/rules/0").json().get("name").asText()).isEqualTo("ru1");
        assertThat(api.get("/api/v1/rulelists/rl1/rules/" + generated).json().at("/action/rewrite/0/path").asText())
                .isEqualTo("/labels/x");
        assertThat(api.get("/api/v1/rulelists/rl1/rules/1?recursive=true").json().at("/action/route/destination/name")
                .asText()).isEqualTo("echo");
        assertError(api.get("/api/v1/rulelists/rl1/rules/7"), 404, "Not Found", "rule \"7\" not found in rulelist");
        final JsonNode deep = api.get("/api/v1/rulelists/rl1?recursive=true").json();
        assertThat(deep.get("rules").get(0).at("/action/route/name").asText()).isEqualTo("r1");
        assertThat(deep.get("rules").get(0).at("/match/op").asText()).isEqualTo("test");
        assertThat(api.get("/api/v1/rulelists").json().size()).isEqualTo(2);

        final JsonNode r1 = api.get("/api/v1/routes/r1").json();
        assertThat(r1.get("destination").asText()).isEqualTo("echo");
        assertThat(r1.get("ingress")).isEmpty();
        assertThat(r1.get("egress")).isEmpty();
        assertThat(r1.at("/retry/num_retries").asInt()).isEqualTo(1);
        assertThat(r1.at("/retry/timeout").asInt()).isEqualTo(2000);
        assertThat(api.get("/api/v1/routes/r1?recursive=true").json().at("/destination/spec/protocol").asText())
                .isEqualTo("Echo");
        assertOk(api.post("/api/v1/routes", "{\"route\": {\"name\": \"dangling\", \"destination\": \"later\"}}"));
        assertThat(api.get("/api/v1/routes/dangling?recursive=true").json().get("destination").asText())
                .isEqualTo("later:<STALE>");
        assertThat(api.get("/api/v1/rules/ru1").json().at("/action/route").asText()).isEqualTo("r1");
        assertThat(api.get("/api/v1/rules").json().size()).isGreaterThanOrEqualTo(2);
        assertThat(api.get("/api/v1/routes?recursive=true").json().size()).isGreaterThanOrEqualTo(3);

        // Insertion by name and inline, then removal by name and by position.
        assertOk(api.post("/api/v1/rules", "{\"rule\": {\"name\": \"ru2\", \"action\": {\"route\": \"r1\"}}}"));
        assertOk(api.post("/api/v1/rulelists/rl1/rules/0", "{\"rule\": \"ru2\"}"));
        assertOk(api.postYaml("/api/v1/rulelists/rl1/rules/3", "rule: { action: { route: { destination: echo } } }"));
        final JsonNode four = api.get("/api/v1/rulelists/rl1").json().get("rules");
        assertThat(four).hasSize(4);
        assertThat(four.get(0).asText()).isEqualTo("ru2");
        assertError(api.post("/api/v1/rulelists/rl1/rules/x", "{\"rule\": \"ru2\"}"), 400, "Bad Request",
                "position: \"x\" (expected: an integer)");
        assertError(api.post("/api/v1/rulelists/rl1/rules/9", "{\"rule\": \"ru2\"}"), 400, "Bad Request",
                "position: 9 (expected: 0-4)");
        assertError(api.post("/api/v1/rulelists/none/rules/0", "{\"rule\": \"ru2\"}"), 404, "Not Found",
                "rulelist \"none\" not found");
        assertOk(api.delete("/api/v1/rulelists/rl1/rules/ru2"));
        assertThat(api.get("/api/v1/rules/ru2").status()).isEqualTo(200);
        final String inserted = four.get(3).asText();
        assertOk(api.delete("/api/v1/rulelists/rl1/rules/2?recursive=true"));
        assertThat(api.get("/api/v1/rules/" + inserted).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/rulelists/rl1").json().get("rules")).hasSize(2);

        // A listener that names the list routes by it.
        assertOk(api.postYaml("/api/v1/listeners", """
                listener: { name: byname, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: rl1 }
                """));
        try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThat(roundTrip(c, new InetSocketAddress("127.0.0.1", proxy.listener("byname").port()), "rl"))
                    .isEqualTo("rl");
        }
        assertThat(proxy.sessions().stream().filter(s -> s.listener().equals("byname")).findFirst().orElseThrow()
                .metadata().at("/labels/x").asInt()).isEqualTo(1);

        // Recursive deletes follow what was defined inline.
        assertOk(api.delete("/api/v1/rulelists/rl1?recursive=true"));
        assertThat(api.get("/api/v1/rules/" + generated).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/rules/ru1").status()).isEqualTo(200);
        assertOk(api.post("/api/v1/rules", "{\"rule\": {\"name\": \"ru3\", \"action\": {\"route\": {"
                + "\"destination\": {\"spec\": {\"protocol\": \"Echo\"}}}}}}"));
        final String route3 = api.get("/api/v1/rules/ru3").json().at("/action/route").asText();
        assertThat(route3).startsWith("ru3-Route-");
        assertOk(api.delete("/api/v1/rules/ru3?recursive=true"));
        assertThat(api.get("/api/v1/routes/" + route3).status()).isEqualTo(404);
        assertOk(api.post("/api/v1/routes", "{\"route\": {\"name\": \"r4\", \"destination\": {\"spec\": "
                + "{\"protocol\": \"Echo\"}}, \"egress\": [\"echo\"]}}"));
        final String dest = api.get("/api/v1/routes/r4").json().get("destination").asText();
        assertThat(dest).startsWith("r4-Cluster-");
        assertOk(api.delete("/api/v1/routes/r4?recursive=true"));
        assertThat(api.get("/api/v1/clusters/" + dest).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/clusters/echo").status()).isEqualTo(200);
        assertOk(api.delete("/api/v1/routes/r1"));
        assertOk(api.delete("/api/v1/rules/ru1"));
        assertError(api.delete("/api/v1/rules/ru1"), 404, "Not Found", "rule \"ru1\" not found");
        assertError(api.delete("/api/v1/routes/r1"), 404, "Not Found", "route \"r1\" not found");
        assertError(api.delete("/api/v1/rulelists/rl1"), 404, "Not Found", "rulelist \"rl1\" not found");
    }

    // ------------------------------------------------------------------ sessions

    @Test
    void sessionsAreListedShownWithTheirStagesAndDeleted() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "B:");
             UdpEchoServer transform = new UdpEchoServer("127.0.0.1", "T:");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final L7mp proxy = start(b -> b);
            final Api api = Api.of(proxy);
            assertOk(api.postYaml("/api/v1/clusters", """
                    cluster: { name: backend, spec: { protocol: UDP, port: %d }, endpoints: [ { name: be, spec: { address: 127.0.0.1 } } ] }
                    """.formatted(backend.port())));
            assertOk(api.postYaml("/api/v1/listeners", """
                    listener:
                      name: in
                      spec: { protocol: UDP, port: 0, address: 127.0.0.1 }
                      rules:
                        - action:
                            route:
                              destination: backend
                              ingress:
                                - { name: tr, spec: { protocol: UDP, port: %d }, endpoints: [ { spec: { address: 127.0.0.1 } } ] }
                    """.formatted(transform.port())));
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            assertThat(roundTrip(client, to, "x")).isEqualTo("B:T:x");
            final String name = "UDP:127.0.0.1:" + client.getLocalPort() + "-127.0.0.1:" + to.getPort() + "-";
            final JsonNode list = api.get("/api/v1/sessions").json();
            JsonNode s = null;
            for (final JsonNode n : list) {
                if (n.get("name").asText().startsWith(name)) {
                    s = n;
                }
            }
            assertThat(s).as(list.toString()).isNotNull();
            final JsonNode one = api.get("/api/v1/sessions/" + s.get("name").asText()).json();
            assertThat(one.get("status").asText()).isEqualTo("CONNECTED");
            assertThat(one.at("/metadata/UDP/src_port").asInt()).isEqualTo(client.getLocalPort());
            assertThat(one.at("/source/origin").asText()).isEqualTo("in");
            assertThat(one.at("/source/listener/protocol").asText()).isEqualTo("UDP");
            assertThat(one.at("/destination/origin").asText()).isEqualTo("backend");
            assertThat(one.at("/destination/endpoint/name").asText()).isEqualTo("be");
            assertThat(one.at("/destination/endpoint/spec/address").asText()).isEqualTo("127.0.0.1");
            assertThat(one.get("ingress")).hasSize(1);
            assertThat(one.at("/ingress/0/origin").asText()).isEqualTo("tr");
            assertThat(one.at("/ingress/0/status").asText()).isEqualTo("READY");
            assertThat(one.at("/stats/ingress_packets").asInt()).isEqualTo(1);
            assertThat(one.get("events").toString()).contains("LOOKUP SUCCESS", "CONNECT");
            assertOk(api.delete("/api/v1/sessions/" + one.get("name").asText()));
            assertError(api.get("/api/v1/sessions/" + one.get("name").asText()), 404, "Not Found",
                    "session \"" + one.get("name").asText() + "\" not found");
            assertError(api.delete("/api/v1/sessions/nope"), 404, "Not Found", "session \"nope\" not found");
        }
    }

    @Test
    void deletesEndTheSessionsRecursivelyOrWithRemoveOrphanSessions() throws Exception {
        try (UdpEchoServer backend = new UdpEchoServer("127.0.0.1", "");
             DatagramSocket c1 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket c2 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final L7mp proxy = start(b -> b);
            final Api api = Api.of(proxy);
            for (final String n : List.of("a", "b")) {
                assertOk(api.postYaml("/api/v1/clusters", """
                        cluster: { name: %s, spec: { protocol: UDP, port: %d }, endpoints: [ { spec: { address: 127.0.0.1 } } ] }
                        """.formatted(n, backend.port())));
                assertOk(api.postYaml("/api/v1/listeners", """
                        listener: { name: in-%s, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: [ { action: { route: { destination: %s } } } ] }
                        """.formatted(n, n)));
            }
            assertThat(roundTrip(c1, new InetSocketAddress("127.0.0.1", proxy.listener("in-a").port()), "1"))
                    .isEqualTo("1");
            assertThat(roundTrip(c2, new InetSocketAddress("127.0.0.1", proxy.listener("in-b").port()), "2"))
                    .isEqualTo("2");
            assertOk(api.delete("/api/v1/clusters/a"));
            assertThat(proxy.sessions().stream().anyMatch(s -> s.listener().equals("in-a"))).isTrue();
            assertOk(api.delete("/api/v1/listeners/in-a?removeOrphanSessions=true"));
            Await.until(WAIT, "in-a's session to end",
                    () -> proxy.sessions().stream().noneMatch(s -> s.listener().equals("in-a")));
            assertThat(api.get("/api/v1/rulelists/in-a-RuleList-2").status()).isEqualTo(200);
            assertOk(api.delete("/api/v1/clusters/b?recursive=true"));
            Await.until(WAIT, "in-b's session to end",
                    () -> proxy.sessions().stream().noneMatch(s -> s.listener().equals("in-b")));
            Await.until(WAIT, "every session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void replacingARouteReroutesItsLiveSessions() throws Exception {
        try (UdpEchoServer a = new UdpEchoServer("127.0.0.1", "A:");
             UdpEchoServer b = new UdpEchoServer("127.0.0.1", "B:");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final L7mp proxy = start(x -> x);
            final Api api = Api.of(proxy);
            assertOk(api.postYaml("/api/v1/config", """
                    clusters:
                      - { name: a, spec: { protocol: UDP, port: %d }, endpoints: [ { spec: { address: 127.0.0.1 } } ] }
                      - { name: b, spec: { protocol: UDP, port: %d }, endpoints: [ { spec: { address: 127.0.0.1 } } ] }
                    routes:
                      - { name: r, destination: a }
                    listeners:
                      - { name: in, spec: { protocol: UDP, port: 0, address: 127.0.0.1 }, rules: [ { action: { route: r } } ] }
                    """.formatted(a.port(), b.port())));
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            assertThat(roundTrip(client, to, "x")).isEqualTo("A:x");
            final String session = proxy.sessions().stream().filter(s -> s.listener().equals("in")).findFirst()
                    .orElseThrow().name();
            assertOk(api.send("PUT", "/api/v1/routes/r", Api.YAML, "route: { destination: b }"));
            assertThat(api.get("/api/v1/routes/r").json().get("destination").asText()).isEqualTo("b");
            assertThat(roundTrip(client, to, "y")).isEqualTo("B:y");
            assertThat(proxy.sessions().stream().filter(s -> s.listener().equals("in")).map(s -> s.name()))
                    .containsExactly(session);
            assertError(api.send("PUT", "/api/v1/routes/r", Api.YAML, "route: { name: other, destination: b }"), 400,
                    "Bad Request", "route.name: \"other\" (expected: \"r\", the name in the path)");
            assertError(api.send("PUT", "/api/v1/routes/none", Api.YAML, "route: { destination: b }"), 404,
                    "Not Found", "route \"none\" not found");
        }
    }

    // ------------------------------------------------------------------ misc

    @Test
    void theOpenApiDocumentIsServedAsYamlAndJson() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = Api.of(proxy);
        final Api.Reply yaml = api.get("/api/v1/openapi.yaml");
        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.headers().firstValue("content-type")).hasValue("application/yaml");
        assertThat(yaml.body()).startsWith("openapi: 3.0.3");
        final JsonNode json = api.get("/api/v1/openapi.json").json();
        assertThat(json.get("openapi").asText()).isEqualTo("3.0.3");
        assertThat(json.at("/paths/~1listeners/post/operationId").asText()).isEqualTo("addListener");
    }

    @Test
    void theApiAnswersOverHttp2() throws Exception {
        final L7mp proxy = start(b -> b);
        final Api api = new Api(proxy.listener(RestApi.CONTROLLER_LISTENER).port(),
                java.net.http.HttpClient.Version.HTTP_2);
        assertOk(api.postYaml("/api/v1/clusters", "cluster: { name: e, spec: { protocol: Echo } }"));
        final Api.Reply r = api.get("/api/v1/sessions");
        assertThat(r.json().get(0).at("/metadata/HTTP/version").asText()).isEqualTo("2.0");
    }
}
