package io.l7mp.rest;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ProtocolSpec;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every error status with its message; a refused call leaves the running config as it was. */
class ErrorsTest {
    private L7mp proxy;
    private Api api;

    @BeforeEach
    void start() throws Exception {
        proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .build();
        proxy.start().get(5, SECONDS);
        api = Api.of(proxy);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    /** Sends a call that must be refused with {@code status} and a content containing {@code content}. */
    private Api.Reply refused(Supplier<Api.Reply> call, int status, String message, String content) {
        final JsonNode before = proxy.codec().toTree(proxy.config());
        final Api.Reply r = call.get();
        RestApiTest.assertError(r, status, message, content);
        assertThat(proxy.codec().toTree(proxy.config())).isEqualTo(before);
        return r;
    }

    @Test
    void malformedBodiesAre400() {
        refused(() -> api.post("/api/v1/listeners", "{\"listener\": {"), 400, "Bad Request",
                "body: malformed document at line 1");
        refused(() -> api.postYaml("/api/v1/listeners", "listener: [unclosed"), 400, "Bad Request",
                "body: malformed document");
        refused(() -> api.post("/api/v1/clusters", ""), 400, "Bad Request",
                "body: missing (expected: a JSON or YAML document)");
        refused(() -> api.sendBytes("POST", "/api/v1/clusters", "application/json",
                new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}), 400, "Bad Request", "body: not valid UTF-8 text");
        refused(() -> api.post("/api/v1/listeners", "[1, 2]"), 400, "Bad Request",
                "body: a list (expected: an object {listener: ...})");
        refused(() -> api.post("/api/v1/listeners", "{\"name\": \"x\"}"), 400, "Bad Request",
                "listener: missing (expected: {listener: ...})");
        refused(() -> api.post("/api/v1/config", "\"text\""), 400, "Bad Request",
                "body: a string (expected: a config object");
    }

    @Test
    void invalidFieldsAre400NamingTheirJsonPath() {
        refused(() -> api.post("/api/v1/listeners", "{\"listener\": {\"name\": \"l\", \"spec\": {\"protocol\": "
                + "\"UDP\", \"port\": 70000}, \"rules\": []}}"), 400, "Bad Request",
                "listener.spec.port: 70000 (expected: 0-65535)");
        refused(() -> api.postYaml("/api/v1/listeners", "listener: { name: l, spec: { protocol: SCTPX }, rules: [] }"),
                400, "Bad Request", "listener.spec.protocol: \"SCTPX\" (expected: one of");
        refused(() -> api.postYaml("/api/v1/clusters", "cluster: { name: c, spec: { protocol: UDP, port: abc } }"),
                400, "Bad Request", "cluster.spec.port");
        refused(() -> api.postYaml("/api/v1/clusters", "cluster: { name: 'a b', spec: { protocol: Echo } }"),
                400, "Bad Request", "cluster.name");
        refused(() -> api.postYaml("/api/v1/clusters", "cluster: { spec: { protocol: Echo } }"),
                400, "Bad Request", "cluster.name: missing");
        refused(() -> api.postYaml("/api/v1/routes", """
                route: { name: r, destination: echo, retry: { retry_on: sometimes } }
                """), 400, "Bad Request", "route.retry.retry_on: \"sometimes\" (expected: one of");
        refused(() -> api.postYaml("/api/v1/clusters", """
                cluster: { name: c, spec: { protocol: UDP, port: 1 }, loadbalancer: { policy: Random } }
                """), 400, "Bad Request", "cluster.loadbalancer.policy: \"Random\"");
        refused(() -> api.postYaml("/api/v1/listeners", """
                listener:
                  name: l
                  spec: { protocol: UDP, port: 0 }
                  rules:
                    - action: { route: { destination: { spec: { protocol: UDP, port: 99999 } } } }
                """), 400, "Bad Request", "listener.rules[0].action.route.destination.spec.port: 99999");
        refused(() -> api.postYaml("/api/v1/rulelists/none/rules/0", "rule: [1]"), 400, "Bad Request",
                "rule: a list (expected: a rule name or a rule)");
        refused(() -> api.get("/api/v1/listeners/%C3%28"), 400, "Bad Request", "is not UTF-8");
    }

    @Test
    void aBodyWithMoreThanOneDocumentIs400() {
        refused(() -> api.post("/api/v1/clusters", "{\"cluster\": {\"name\": \"a\", \"spec\": {\"protocol\": "
                + "\"Echo\"}}} trailing"), 400, "Bad Request", "body: malformed document at line 1");
        refused(() -> api.postYaml("/api/v1/clusters", """
                cluster: { name: a, spec: { protocol: Echo } }
                ---
                cluster: { name: b, spec: { protocol: Echo } }
                """), 400, "Bad Request", "(expected: one YAML document)");
        refused(() -> api.post("/api/v1/config", "{\"clusters\": [{\"name\": \"a\", \"spec\": {\"protocol\": "
                + "\"Echo\"}}, null]}"), 400, "Bad Request", "clusters[1]: null (expected: a cluster)");
    }

    @Test
    void strictModeSetOverTheApiRefusesUnknownFieldsAsTheStaticConfigDoes() {
        assertThat(api.post("/api/v1/admin", "{\"admin\": {\"strict\": true}}").status()).isEqualTo(200);
        refused(() -> api.post("/api/v1/clusters", "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": "
                + "\"Echo\"}, \"colour\": \"red\"}}"), 400, "Bad Request", "cluster.colour: unknown field");
        refused(() -> api.post("/api/v1/clusters", "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": "
                + "\"Echo\"}}, \"colour\": \"red\"}"), 400, "Bad Request", "colour: unknown field");
        refused(() -> api.post("/api/v1/routes", "{\"route\": {\"name\": \"r\", \"destination\": \"nope\"}}"),
                400, "Bad Request", "route.destination: cluster \"nope\" not found");
        assertThat(api.post("/api/v1/admin", "{\"admin\": {\"strict\": false}}").status()).isEqualTo(200);
        assertThat(api.post("/api/v1/clusters", "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": "
                + "\"Echo\"}, \"colour\": \"red\"}}").status()).isEqualTo(200);
    }

    /** A proxy started strict (-s) stays so: the API refuses to turn it off instead of only showing it off. */
    @Test
    void strictModeFromTheStartCannotBeTurnedOff() throws Exception {
        try (L7mp strict = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0).strict(true).build()) {
            strict.start().get(5, SECONDS);
            final Api s = Api.of(strict);
            final JsonNode before = strict.codec().toTree(strict.config());
            RestApiTest.assertError(s.post("/api/v1/admin", "{\"admin\": {\"strict\": false}}"), 403, "Forbidden",
                    "admin.strict: the proxy was started strict (-s)");
            assertThat(strict.codec().toTree(strict.config())).isEqualTo(before);
            assertThat(s.get("/api/v1/admin").json().get("strict").asBoolean()).isTrue();
            assertThat(s.post("/api/v1/admin", "{\"admin\": {\"log_level\": \"warn\"}}").status()).isEqualTo(200);
            assertThat(s.get("/api/v1/admin").json().get("strict").asBoolean()).isTrue();
        }
    }

    @Test
    void unknownObjectsAndOperationsAre404() {
        refused(() -> api.get("/api/v1/listeners/nope"), 404, "Not Found", "listener \"nope\" not found");
        refused(() -> api.get("/api/v1/clusters/nope"), 404, "Not Found", "cluster \"nope\" not found");
        refused(() -> api.get("/api/v1/clusters/nope/endpoints"), 404, "Not Found", "cluster \"nope\" not found");
        refused(() -> api.get("/api/v1/endpoints/nope"), 404, "Not Found", "endpoint \"nope\" not found");
        refused(() -> api.get("/api/v1/rulelists/nope"), 404, "Not Found", "rulelist \"nope\" not found");
        refused(() -> api.get("/api/v1/rulelists/nope/rules/0"), 404, "Not Found", "rulelist \"nope\" not found");
        refused(() -> api.get("/api/v1/rules/nope"), 404, "Not Found", "rule \"nope\" not found");
        refused(() -> api.get("/api/v1/routes/nope"), 404, "Not Found", "route \"nope\" not found");
        refused(() -> api.get("/api/v1/sessions/nope"), 404, "Not Found", "session \"nope\" not found");
        refused(() -> api.delete("/api/v1/endpoints/nope"), 404, "Not Found", "endpoint \"nope\" not found");
        refused(() -> api.delete("/api/v1/rulelists/nope/rules/0"), 404, "Not Found", "rulelist \"nope\" not found");
        refused(() -> api.get("/api/v1/nothing"), 404, "Not Found", "Unknown API operation: GET /api/v1/nothing");
        refused(() -> api.get("/api/v2/config"), 404, "Not Found", "Unknown API operation");
        refused(() -> api.get("/"), 404, "Not Found", "Unknown API operation");
        refused(() -> api.get("/api/v1/listeners/a/b"), 404, "Not Found", "Unknown API operation");
    }

    @Test
    void aWrongMethodOnAKnownPathIs405WithAllow() {
        final Api.Reply put = refused(() -> api.send("PUT", "/api/v1/listeners", "application/json", "{}"), 405,
                "Method Not Allowed", "Method PUT not allowed on /api/v1/listeners (allowed: GET, POST)");
        assertThat(put.headers().firstValue("allow")).hasValue("GET, POST");
        final Api.Reply patch = refused(() -> api.send("PATCH", "/api/v1/clusters/echo", "application/json", "{}"),
                405, "Method Not Allowed", "allowed: DELETE, GET");
        assertThat(patch.headers().firstValue("allow")).hasValue("DELETE, GET");
        refused(() -> api.post("/api/v1/sessions", "{}"), 405, "Method Not Allowed", "allowed: GET");
        refused(() -> api.delete("/api/v1/config"), 405, "Method Not Allowed", "allowed: GET, POST");
    }

    @Test
    void aDuplicateNameIs409() {
        refused(() -> api.postYaml("/api/v1/clusters", "cluster: { name: echo, spec: { protocol: Echo } }"), 409,
                "Conflict", "cluster.name: cluster \"echo\" already exists");
        RestApiTest.assertOk(api.post("/api/v1/routes", "{\"route\": {\"name\": \"r\", \"destination\": \"echo\"}}"));
        refused(() -> api.post("/api/v1/routes", "{\"route\": {\"name\": \"r\", \"destination\": \"echo\"}}"), 409,
                "Conflict", "route.name: route \"r\" already exists");
    }

    @Test
    void aListenerThatCannotBindIsRefusedAndLeavesNoGeneratedObjectBehind() {
        final int taken = proxy.listener(RestApi.CONTROLLER_LISTENER).port();
        final String listener = """
                listener:
                  name: clash
                  spec: { protocol: HTTP, address: 127.0.0.1, port: %d }
                  rules:
                    - action:
                        route:
                          destination: { name: gen-dest, spec: { protocol: Echo } }
                          ingress: [ { spec: { protocol: Echo } } ]
                """.formatted(taken);
        refused(() -> api.postYaml("/api/v1/listeners", listener), 400, "Bad Request",
                "listener.spec: cannot listen");
        assertThat(api.get("/api/v1/clusters/gen-dest").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/rulelists").json()).hasSize(1);
        refused(() -> api.postYaml("/api/v1/config", """
                clusters: [ { name: fresh, spec: { protocol: Echo } } ]
                listeners: [ { name: clash, spec: { protocol: UDP, address: 127.0.0.1, port: 0 }, rules: [] },
                             { name: clash2, spec: { protocol: HTTP, address: 127.0.0.1, port: %d }, rules: [] } ]
                """.formatted(taken)), 400, "Bad Request", "listeners[1].spec");
        refused(() -> api.postYaml("/api/v1/config", """
                admin: { log_level: warn }
                listeners: [ { name: clash3, spec: { protocol: HTTP, address: 127.0.0.1, port: %d }, rules: [] } ]
                """.formatted(taken)), 400, "Bad Request", "listeners[0].spec");
        assertThat(proxy.admin().logLevel()).isNotEqualTo("warn");
        // The API still answers on the port the failed listener wanted.
        assertThat(api.get("/api/v1/listeners").json()).hasSize(1);
    }

    @Test
    void anUnreadableTlsFileIs400NamingItsField() throws Exception {
        try (L7mp open = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .admin(AdminSpec.DEFAULT.withAllowLocal(true)).build()) {
            open.start().get(5, SECONDS);
            final Api a = Api.of(open);
            final JsonNode before = open.codec().toTree(open.config());
            RestApiTest.assertError(a.postYaml("/api/v1/listeners", """
                    listener: { name: s, spec: { protocol: HTTP, port: 0, tls: { cert: /nonexistent/c.pem, key: /nonexistent/k.pem } }, rules: [] }
                    """), 400, "Bad Request",
                    "listener.spec.tls.cert: \"/nonexistent/c.pem\" (expected: a readable PEM file)");
            RestApiTest.assertError(a.postYaml("/api/v1/listeners", """
                    listener: { name: s, spec: { protocol: HTTP, port: 0, tls: { cert: /etc/hostname } }, rules: [] }
                    """), 400, "Bad Request", "listener.spec.tls.key: missing");
            RestApiTest.assertError(a.postYaml("/api/v1/listeners", """
                    listener: { name: s, spec: { protocol: HTTP, port: 0, tls: { cert: /dev/zero, key: /dev/zero } }, rules: [] }
                    """), 400, "Bad Request", "listener.spec.tls.cert: \"/dev/zero\" (expected: a readable PEM file)");
            assertThat(open.codec().toTree(open.config())).isEqualTo(before);
        }
    }

    @Test
    void aBodyOverTheLimitIs413() {
        refused(() -> api.sendBytes("POST", "/api/v1/clusters", "application/json",
                new byte[(1 << 20) + 1000]), 413, "Request Entity Too Large", "body: larger than 1048576 bytes");
        RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                listener:
                  name: small
                  spec: { protocol: HTTP, port: 0, address: 127.0.0.1 }
                  rules: [ { action: { route: { destination: { spec: { protocol: L7mpController, max_body_size: 100 } } } } } ]
                """));
        final Api small = new Api(proxy.listener("small").port());
        refused(() -> small.postYaml("/api/v1/clusters", "cluster: { name: x, spec: { protocol: Echo } }  "
                + "#".repeat(100)), 413, "Request Entity Too Large", "body: larger than 100 bytes");
        RestApiTest.assertOk(small.postYaml("/api/v1/clusters", "cluster: { name: x, spec: { protocol: Echo } }"));
    }

    @Test
    void anUnknownContentTypeIs415() {
        refused(() -> api.send("POST", "/api/v1/clusters", "text/plain", "cluster: {}"), 415,
                "Unsupported Media Type", "Content-Type: \"text/plain\" (expected: one of");
        refused(() -> api.send("POST", "/api/v1/clusters", "application/x-www-form-urlencoded", "a=b"), 415,
                "Unsupported Media Type", "Content-Type");
        refused(() -> api.send("POST", "/api/v1/clusters", "application/json; charset=bogus-9", "{}"), 415,
                "Unsupported Media Type", "charset \"bogus-9\" is not supported");
        RestApiTest.assertOk(api.send("POST", "/api/v1/clusters", "TEXT/JSON; Charset=ISO-8859-1",
                "{\"cluster\": {\"name\": \"latin\", \"spec\": {\"protocol\": \"Echo\"}}}"));
        RestApiTest.assertOk(api.send("POST", "/api/v1/clusters", null, "cluster: { name: plain, spec: { protocol: Echo } }"));
    }

    @Test
    void localProtocolsAre403UnlessAdminAllowsThem() throws Exception {
        refused(() -> api.postYaml("/api/v1/clusters", "cluster: { name: loc, spec: { protocol: TestLocal } }"), 403,
                "Forbidden", "cluster.spec.protocol: \"TestLocal\" reaches local resources (files, processes, "
                        + "stdio); the REST API refuses it unless admin.allow_local is true");
        refused(() -> api.postYaml("/api/v1/listeners", """
                listener:
                  name: l
                  spec: { protocol: UDP, port: 0 }
                  rules: [ { action: { route: { destination: echo, ingress: [ { spec: { protocol: TestLocal } } ] } } } ]
                """), 403, "Forbidden", "listener.rules[0].action.route.ingress[0].spec.protocol");
        refused(() -> api.postYaml("/api/v1/config", "clusters: [ { name: loc, spec: { protocol: TestLocal } } ]"),
                403, "Forbidden", "clusters[0].spec.protocol");
        refused(() -> api.postYaml("/api/v1/routes", "route: { name: r, destination: { spec: { protocol: TestLocal } } }"),
                403, "Forbidden", "route.destination.spec.protocol");
        try (L7mp open = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .admin(AdminSpec.DEFAULT.withAllowLocal(true)).build()) {
            open.start().get(5, SECONDS);
            RestApiTest.assertOk(Api.of(open).postYaml("/api/v1/clusters",
                    "cluster: { name: loc, spec: { protocol: TestLocal } }"));
            assertThat(Api.of(open).get("/api/v1/admin").json().get("allow_local").asBoolean()).isTrue();
        }
    }

    @Test
    void withAnApiTokenEveryCallNeedsIt() throws Exception {
        try (L7mp locked = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .admin(AdminSpec.DEFAULT.withApiToken("s3cret")).build()) {
            locked.start().get(5, SECONDS);
            final Api anon = Api.of(locked);
            final Api.Reply r = anon.get("/api/v1/config");
            RestApiTest.assertError(r, 401, "Unauthorized", "missing or wrong bearer token");
            assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"l7mp\"");
            RestApiTest.assertError(Api.of(locked).token("wrong").get("/api/v1/nothing"), 401, "Unauthorized",
                    "bearer token");
            final Api ok = Api.of(locked).token("s3cret");
            final JsonNode cfg = ok.get("/api/v1/config").json();
            assertThat(cfg.get("admin").has("api_token")).isFalse();
            assertThat(cfg.toString()).doesNotContain("s3cret");
            assertThat(ok.get("/api/v1/admin").body()).doesNotContain("s3cret");
            assertThat(ok.get("/api/v1/sessions").json().get(0).at("/metadata/HTTP/headers/authorization").asText())
                    .isEqualTo("<REDACTED>");
            RestApiTest.assertOk(ok.post("/api/v1/admin", "{\"admin\": {\"log_level\": \"warn\"}}"));
            assertThat(locked.admin().apiToken()).isEqualTo("s3cret");
        }
    }
}
