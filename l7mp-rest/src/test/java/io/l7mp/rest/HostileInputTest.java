package io.l7mp.rest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ProtocolSpec;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Throws malformed and hostile calls at every operation (seeded, bounded): each must be refused with a 4xx and
 * l7mp's error body, and the running config must stay exactly as it was.
 */
class HostileInputTest {
    private static final long SEED = 0x17_7A_5EEDL;
    private static final int ROUNDS = 300;
    private static final String JSON = "application/json";
    private static final String YAML = "text/x-yaml";

    /** Valid requests whose truncations (strictly shorter, JSON) are malformed; no trailing whitespace. */
    private static final List<String> VALID = List.of(
            "{\"listener\":{\"name\":\"n\",\"spec\":{\"protocol\":\"UDP\",\"port\":0},\"rules\":[{\"action\":"
                    + "{\"route\":{\"destination\":\"echo\"}}}]}}",
            "{\"cluster\":{\"name\":\"c\",\"spec\":{\"protocol\":\"UDP\",\"port\":5},\"endpoints\":[{\"spec\":"
                    + "{\"address\":\"127.0.0.1\"},\"weight\":2}]}}",
            "{\"rule\":{\"name\":\"r\",\"match\":{\"op\":\"test\",\"path\":\"/a\",\"value\":1},\"action\":"
                    + "{\"route\":\"x\"}}}",
            "{\"route\":{\"name\":\"r\",\"destination\":\"echo\",\"retry\":{\"retry_on\":\"always\"}}}",
            "{\"rulelist\":{\"name\":\"rl\",\"rules\":[\"a\",\"b\"]}}",
            "{\"admin\":{\"log_level\":\"info\"}}",
            "{\"listeners\":[],\"clusters\":[{\"name\":\"x\",\"spec\":{\"protocol\":\"Echo\"}}]}");

    /** Bodies that are refused on every write operation whatever its envelope. */
    private static final List<String> WRONG = List.of(
            "42", "[]", "\"text\"", "true", "null", "{\"listener\": 42}", "{\"cluster\": []}", "{\"rule\": 7}",
            "{\"route\": \"\"}", "{\"rulelist\": {\"rules\": 5}}", "{\"admin\": [1]}", "{\"endpoint\": \"x\"}",
            "{\"listeners\": 5}", "{\"clusters\": [{\"name\": \"c\"}]}", "{\"admin\": {\"log_level\": \"loud\"}}",
            "{\"admin\": {\"allow_local\": true}}", "{\"admin\": {\"strict\": \"maybe\"}}",
            "{\"listener\": {\"name\": \"a b\", \"spec\": {\"protocol\": \"UDP\", \"port\": 0}, \"rules\": []}}",
            "{\"listener\": {\"name\": \"x\", \"spec\": {\"protocol\": \"UDP\", \"port\": 70000}, \"rules\": []}}",
            "{\"listener\": {\"name\": \"x\", \"spec\": {\"protocol\": \"UDP\", \"port\": 1e400}}}",
            "{\"listener\": {\"name\": \"x\", \"spec\": {\"protocol\": \"NOPE\"}}}",
            "{\"listener\": {\"name\": \"x\", \"spec\": {\"protocol\": \"\"}}}",
            "{\"listener\": {\"name\": \"x\", \"spec\": \"UDP\"}}",
            "{\"listener\": {\"spec\": {\"protocol\": \"UDP\", \"port\": 0}}}",
            "{\"cluster\": {\"name\": \"echo\", \"spec\": {\"protocol\": \"Echo\"}}}",
            "{\"cluster\": {\"name\": \"loc\", \"spec\": {\"protocol\": \"TestLocal\"}}}",
            "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": \"UDP\", \"port\": -1}}}",
            "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": \"UDP\"}, \"loadbalancer\": {\"policy\": \"Foo\"}}}",
            "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": \"UDP\"}, \"endpoints\": [{\"weight\": -5, "
                    + "\"spec\": {\"address\": \"h\"}}]}}",
            "{\"cluster\": {\"name\": \"c\", \"spec\": {\"protocol\": \"UDP\"}, \"endpoints\": [{}]}}",
            "{\"route\": {\"name\": \"r\", \"destination\": \"echo\", \"retry\": {\"retry_on\": \"sometimes\"}}}",
            "{\"route\": {\"name\": \"r\", \"destination\": 5}}",
            "{\"route\": {\"name\": \"r\", \"destination\": {\"spec\": {\"protocol\": \"TestLocal\"}}}}",
            "{\"route\": {\"name\": \"r\", \"destination\": \"echo\", \"retry\": {\"timeout\": -3}}}",
            "{\"rule\": {\"name\": \"r\"}}",
            "{\"rule\": {\"name\": \"r\", \"action\": {}}}",
            "{\"rulelist\": {\"rules\": []}}",
            "{\"rulelist\": {\"name\": \"x\", \"rules\": [{\"name\": \"y\"}]}}",
            "{\"endpoint\": {\"spec\": {\"address\": \"\"}}}",
            "{\"endpoint\": {\"spec\": {\"address\": \"h\", \"port\": 123456}}}",
            "admin: { log_level: [1, 2] }\nlisteners: {}\n",
            "listener: !!binary AAAA\n",
            "cluster: &a [*a]\n",
            "{\"listener\": {\"name\": \"x\", \"spec\": {\"protocol\": \"UDP\", \"port\": 0}, \"rules\": [{\"action\": "
                    + "{\"route\": {\"destination\": {\"spec\": {\"protocol\": \"TestLocal\"}}}}}]}}",
            "{\"listener\": {\"name\": \"u\", \"spec\": {\"protocol\": \"UnixDomainSocket\", \"filename\": "
                    + "\"/tmp/h.sock\"}, \"rules\": []}}",
            "{\"cluster\": {\"name\": \"j\", \"spec\": {\"protocol\": \"JSONSocket\", \"transport\": "
                    + "{\"protocol\": \"TestLocal\"}}}}",
            "{\"route\": {\"name\": \"r\", \"destination\": \"echo\", \"ingress\": [{\"spec\": {\"protocol\": "
                    + "\"Logger\", \"log_file\": \"/tmp/h.log\"}}]}}",
            "{\"listener\": {\"name\": \"t\", \"spec\": {\"protocol\": \"HTTP\", \"port\": 0, \"tls\": "
                    + "{\"cert\": \"/etc/passwd\", \"key\": \"/etc/shadow\"}}, \"rules\": []}}",
            "{\"admin\": {\"local_dirs\": [\"/\"]}}",
            "{\"admin\": {\"local_dirs\": [\"\"]}}",
            "{\"endpoint\": {\"spec\": {\"address\": \"/tmp/e.sock\"}}}");

    private static final List<String> WRITE_PATHS = List.of("/config", "/admin", "/listeners", "/clusters",
            "/clusters/%s/endpoints", "/rulelists", "/rulelists/%s/rules/0", "/rules", "/routes");
    private static final List<String> NAMED_PATHS = List.of("/listeners/%s", "/clusters/%s", "/endpoints/%s",
            "/rulelists/%s", "/rulelists/%s/rules/%s", "/rules/%s", "/routes/%s", "/sessions/%s",
            "/clusters/%s/endpoints");

    private record Call(String method, String path, @Nullable String contentType, byte @Nullable [] body) {
        @Override
        public String toString() {
            return method + " " + path + " [" + contentType + "] "
                    + (body == null ? "" : new String(body, 0, Math.min(body.length, 200), UTF_8));
        }
    }

    @Test
    void hostileCallsAreRefusedWith4xxAndChangeNothing() throws Exception {
        try (L7mp proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0)).rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            final Api api = Api.of(proxy);
            final JsonNode before = proxy.codec().toTree(proxy.config());
            final Random rnd = new Random(SEED);
            final java.util.TreeMap<Integer, Integer> seen = new java.util.TreeMap<>();
            for (int i = 0; i < ROUNDS; i++) {
                final Call c = call(rnd);
                final Api.Reply r = api.sendBytes(c.method(), "/api/v1" + c.path(), c.contentType(), c.body());
                assertThat(r.status()).as("round %d: %s -> %s", i, c, r).isBetween(400, 499);
                seen.merge(r.status(), 1, Integer::sum);
                if (!c.method().equals("HEAD")) {
                    assertThat(r.json().path("status").asInt()).as("%s -> %s", c, r).isEqualTo(r.status());
                    assertThat(r.json().path("content").asText()).as("%s -> %s", c, r).isNotEmpty();
                }
            }
            assertThat(proxy.codec().toTree(proxy.config())).isEqualTo(before);
            assertThat(seen.keySet()).contains(400, 403, 404, 405, 409, 413, 415);
            assertThat(api.get("/api/v1/config").status()).isEqualTo(200);
        }
    }

    private static String nope(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> "nope-" + rnd.nextInt(1000);
            case 1 -> "%00nul";
            case 2 -> "%E2%98%83-snow";
            default -> "x".repeat(1 + rnd.nextInt(300));
        };
    }

    private static Call call(Random rnd) {
        final String name = nope(rnd);
        switch (rnd.nextInt(11)) {
            case 10 -> {
                return switch (rnd.nextInt(3)) {
                    case 0 -> new Call("POST", "/clusters", YAML,
                            "cluster: {name: echo, spec: {protocol: Echo}}".getBytes(UTF_8));
                    case 1 -> new Call("POST", "/listeners", JSON, ("{\"listener\": {\"name\": \"udp\", \"spec\": "
                            + "{\"protocol\": \"UDP\", \"port\": 0}, \"rules\": []}}").getBytes(UTF_8));
                    default -> new Call("POST", "/clusters", YAML,
                            "cluster: {name: local, spec: {protocol: TestLocal}}".getBytes(UTF_8));
                };
            }
            case 0 -> {
                final String m = List.of("PUT", "PATCH", "OPTIONS", "HEAD").get(rnd.nextInt(4));
                final String p = List.of("/listeners", "/clusters", "/rules", "/sessions").get(rnd.nextInt(4));
                return new Call(m, p, JSON, m.equals("HEAD") || m.equals("OPTIONS") ? null : "{}".getBytes(UTF_8));
            }
            case 1 -> {
                final String p = NAMED_PATHS.get(rnd.nextInt(NAMED_PATHS.size())).replace("%s", name);
                return new Call(rnd.nextBoolean() ? "GET" : "DELETE", p + (rnd.nextBoolean() ? "?recursive=true" : ""),
                        null, null);
            }
            case 2 -> {
                final String p = List.of("/", "/api", "/nothing/here", "/listeners/a/b/c", "/../etc/passwd",
                        "/sessions/" + name + "/x").get(rnd.nextInt(6));
                return new Call(rnd.nextBoolean() ? "GET" : "POST", p, JSON, "{}".getBytes(UTF_8));
            }
            default -> {
                final String p = WRITE_PATHS.get(rnd.nextInt(WRITE_PATHS.size())).replace("%s", name);
                return hostileWrite(rnd, p);
            }
        }
    }

    private static Call hostileWrite(Random rnd, String path) {
        switch (rnd.nextInt(9)) {
            case 0 -> {
                final byte[] b = new byte[1 + rnd.nextInt(512)];
                rnd.nextBytes(b);
                b[0] = (byte) 0xFF;   // never valid UTF-8, whatever follows
                return new Call("POST", path, rnd.nextBoolean() ? JSON : YAML, b);
            }
            case 1 -> {
                final String v = VALID.get(rnd.nextInt(VALID.size()));
                return new Call("POST", path, JSON, v.substring(0, 1 + rnd.nextInt(v.length() - 1)).getBytes(UTF_8));
            }
            case 2 -> {
                final int depth = 2_000 + rnd.nextInt(20_000);
                final String open = rnd.nextBoolean() ? "[" : "{\"a\":";
                return new Call("POST", path, rnd.nextBoolean() ? JSON : YAML, open.repeat(depth).getBytes(UTF_8));
            }
            case 3 -> {
                final StringBuilder sb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
                for (char c = 'b'; c <= 'k'; c++) {
                    sb.append(c).append(": &").append(c).append(" [");
                    for (int i = 0; i < 9; i++) {
                        sb.append(i > 0 ? "," : "").append('*').append((char) (c - 1));
                    }
                    sb.append("]\n");
                }
                return new Call("POST", path, YAML, sb.toString().getBytes(UTF_8));
            }
            case 4 -> {
                final String ct = List.of("text/html", "application/xml", "multipart/form-data; boundary=x",
                        "application/json; charset=nope-charset", "image/png", "text/yaml; charset=\"x-unknown\"")
                        .get(rnd.nextInt(6));
                return new Call("POST", path, ct, VALID.get(rnd.nextInt(VALID.size())).getBytes(UTF_8));
            }
            case 5 -> {
                if (rnd.nextInt(8) == 0) {
                    return new Call("POST", path, JSON, new byte[(1 << 20) + 1 + rnd.nextInt(1000)]);
                }
                return new Call("POST", path, JSON, new byte[0]);
            }
            default -> {
                final String w = WRONG.get(rnd.nextInt(WRONG.size()));
                final boolean yaml = rnd.nextBoolean();
                return new Call("POST", path, yaml ? YAML : JSON, w.getBytes(UTF_8));
            }
        }
    }
}
