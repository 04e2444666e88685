package io.l7mp.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    private static final ConfigCodec CODEC = ConfigCodec.defaults();

    private static Config yaml(String text) {
        return CODEC.readConfig(text, true);
    }

    @Test
    void badPortIsRejectedWithItsJsonPath() {
        assertThatThrownBy(() -> yaml("""
                listeners:
                  - name: l
                    spec: {protocol: UDP, port: 70000}
                    rules: []
                """)).isInstanceOf(ConfigException.class)
                .hasMessage("listeners[0].spec.port: 70000 (expected: 0-65535)")
                .extracting(e -> ((ConfigException) e).path()).isEqualTo("listeners[0].spec.port");
    }

    @Test
    void errorsNameTheirPath() {
        assertThatThrownBy(() -> yaml("listeners: [{name: l, spec: {protocol: SCTPX, port: 1}, rules: []}]"))
                .hasMessageStartingWith("listeners[0].spec.protocol: \"SCTPX\" (expected: one of [")
                .hasMessageContaining("UDP");
        assertThatThrownBy(() -> yaml("clusters: [{name: c, spec: {protocol: UDP, port: x}}]"))
                .hasMessageStartingWith("clusters[0].spec.port: \"x\" (expected: an integer)");
        assertThatThrownBy(() -> yaml("""
                listeners:
                  - name: l
                    spec: {protocol: UDP, port: 1}
                    rules:
                      - action: {route: {destination: c, retry: {retry_on: sometimes}}}
                """)).hasMessageStartingWith("listeners[0].rules[0].action.route.retry.retry_on: \"sometimes\"");
        assertThatThrownBy(() -> yaml("listeners: [{name: 'a b', spec: {protocol: UDP, port: 1}}]"))
                .hasMessageStartingWith("listeners[0].name: \"a b\"");
        assertThatThrownBy(() -> yaml("listeners: {name: l}")).hasMessageStartingWith("listeners: wrong type");
        assertThatThrownBy(() -> yaml("listeners: [ {name: l")).hasMessageContaining("malformed document at line");
    }

    @Test
    void unknownFieldsAreIgnoredUnlessStrict() {
        final String text = "clusters: [{name: c, spec: {protocol: UDP, port: 1, colour: red}}]";
        assertThat(yaml(text).clusters()).hasSize(1);
        assertThatThrownBy(() -> CODEC.strict(true).readConfig(text, true))
                .hasMessageStartingWith("clusters[0].spec.colour: unknown field");
    }

    @Test
    void duplicateNamesAndRolesAreRejectedAtBuild() {
        assertThatThrownBy(() -> L7mp.builder().config(yaml("""
                listeners:
                  - {name: in, spec: {protocol: UDP, port: 0}, rules: []}
                  - {name: in, spec: {protocol: UDP, port: 0}, rules: []}
                """)).build()).isInstanceOf(ConfigException.class).hasMessageContaining("listeners[1].name");
        assertThatThrownBy(() -> L7mp.builder().config(yaml("""
                listeners:
                  - {name: in, spec: {protocol: Echo}, rules: []}
                """)).build()).hasMessageStartingWith("listeners[0].spec.protocol: \"Echo\" cannot be used as a listener");
        assertThatThrownBy(() -> L7mp.builder().config(yaml("""
                listeners:
                  - name: in
                    spec: {protocol: UDP, port: 0}
                    rules: [{match: {op: bogus, path: /a}, action: {route: {destination: x}}}]
                """)).build()).hasMessageStartingWith("listeners[0].rules[0].match");
    }

    private static int freeTcpPort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String echoOnce(int port, String msg) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(msg.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            final byte[] b = s.getInputStream().readNBytes(msg.length());
            return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /**
     * On epoll every loop has its own accepting socket with SO_REUSEPORT; without a check a second listener on the
     * same port joined the first and took about half of its connections (the l7mp-minimal config started twice, or
     * a REST-added listener on a used port, answered 200).
     */
    @Test
    void twoTcpListenersOnOnePortFailAsAnyTakenPortDoes() throws Exception {
        final int port = freeTcpPort();
        final L7mp proxy = L7mp.builder().config(yaml("""
                listeners:
                  - {name: a, spec: {protocol: TCP, address: 127.0.0.1, port: %d}, rules: [{action: {route: {destination: e}}}]}
                  - {name: b, spec: {protocol: TCP, address: 127.0.0.1, port: %d}, rules: []}
                clusters:
                  - {name: e, spec: {protocol: Echo}}
                """.formatted(port, port))).build();
        try (proxy) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("listeners[1].spec: cannot listen: Address already in use");
            assertThat(proxy.listeners()).isEmpty();
        }
        try (ServerSocket again = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aTcpPortInUseByAnotherProxyIsRefusedAndKeepsAllItsConnections() throws Exception {
        final int port = freeTcpPort();
        final String cfg = """
                listeners:
                  - {name: a, spec: {protocol: TCP, address: 127.0.0.1, port: %d}, rules: [{action: {route: {destination: e}}}]}
                clusters:
                  - {name: e, spec: {protocol: Echo}}
                """.formatted(port);
        try (L7mp first = L7mp.builder().config(yaml(cfg)).build().start().get(5, SECONDS);
             L7mp second = L7mp.builder().config(yaml(cfg)).build()) {
            assertThatThrownBy(() -> second.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("listeners[0].spec: cannot listen: Address already in use");
            // A listener with no rules on the same port, added later, is refused too.
            assertThatThrownBy(() -> first.addListener(io.l7mp.spec.ListenerSpec.builder("b")
                    .spec(TcpSpec.bind("127.0.0.1", port)).build()).get(5, SECONDS))
                    .hasMessageContaining("cannot listen: Address already in use");
            for (int i = 0; i < 16; i++) {
                assertThat(echoOnce(port, "m" + i)).isEqualTo("m" + i);
            }
            assertThat(first.listener("a").stats().sessions()).isEqualTo(16);
        }
    }

    @Test
    void aBindAddressThatDoesNotResolveIsNamed() throws Exception {
        for (final String proto : new String[] {"TCP", "UDP", "HTTP", "WebSocket"}) {
            final L7mp proxy = L7mp.builder().config(yaml("""
                    listeners:
                      - {name: a, spec: {protocol: %s, address: 999.1.1.1, port: 0}, rules: []}
                    """.formatted(proto))).build();
            try (proxy) {
                assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).as(proto)
                        .isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("listeners[0].spec: cannot listen: address: \"999.1.1.1\" does not "
                                + "resolve (expected: an IP address or a host name of this machine)");
                assertThat(proxy.listeners()).isEmpty();
            }
        }
    }

    /** Strict mode's dangling references are named by where they stand in the file, as every other error is. */
    @Test
    void strictModeNamesTheJsonPathOfADanglingReference() {
        assertThatThrownBy(() -> L7mp.builder().config(yaml("""
                listeners:
                  - {name: a, spec: {protocol: UDP, port: 0}, rules: [{action: {route: {destination: e}}}]}
                  - {name: b, spec: {protocol: UDP, port: 0}, rules: nonexistent}
                clusters:
                  - {name: e, spec: {protocol: Echo}}
                """)).strict(true).build()).isInstanceOf(ConfigException.class)
                .hasMessage("listeners[1].rules: rulelist \"nonexistent\" not found");
        assertThatThrownBy(() -> L7mp.builder().config(yaml("""
                listeners:
                  - {name: a, spec: {protocol: UDP, port: 0}, rules: [{action: {route: {destination: e, ingress: [e, nope]}}}]}
                clusters:
                  - {name: e, spec: {protocol: Echo}}
                """)).strict(true).build()).isInstanceOf(ConfigException.class)
                .hasMessage("listeners[0].rules[0].action.route.ingress[1]: cluster \"nope\" not found");
        assertThatThrownBy(() -> L7mp.builder().config(yaml("""
                rulelists:
                  - {name: rl, rules: [r1, r2]}
                rules:
                  - {name: r1, action: {route: missing-route}}
                """)).strict(true).build()).isInstanceOf(ConfigException.class)
                .hasMessageMatching("(rulelists\\[0\\]\\.rules\\[1\\]: rule \"r2\"|rules\\[0\\]\\.action\\.route: "
                        + "route \"missing-route\") not found");
    }

    @Test
    void aFractionalPortIsRejectedNotTruncated() {
        assertThatThrownBy(() -> yaml("""
                listeners:
                  - {name: a, spec: {protocol: UDP, port: 12.5}, rules: []}
                """)).isInstanceOf(ConfigException.class)
                .hasMessage("listeners[0].spec.port: 12.5 (expected: an integer)");
    }

    @Test
    void aListenerThatCannotBindStartsNothing() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final int free = probe.getLocalPort();
            probe.close();
            final L7mp proxy = L7mp.builder().config(yaml("""
                    listeners:
                      - {name: a, spec: {protocol: UDP, address: 127.0.0.1, port: %d}, rules: [{action: {route: {destination: e}}}]}
                      - {name: b, spec: {protocol: TCP, address: 127.0.0.1, port: %d}, rules: [{action: {route: {destination: e}}}]}
                    clusters:
                      - {name: e, spec: {protocol: Echo}}
                    """.formatted(free, taken.getLocalPort()))).build();
            try (proxy) {
                assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("listeners[1].spec: cannot listen: Address already in use");
                assertThat(proxy.listeners()).isEmpty();
                // The first listener was bound and has been closed again: its port is free.
                try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", free))) {
                    assertThat(again.getLocalPort()).isEqualTo(free);
                }
            }
        }
    }

    @Test
    void runningConfigRoundTrips(@TempDir Path dir) throws Exception {
        final Config cfg = yaml("""
                admin: {log_level: info}
                listeners:
                  - name: in
                    spec: {protocol: UDP, address: 127.0.0.1, port: 0}
                    rules:
                      - match: {op: starts, path: /IP/src_addr, value: "127."}
                        action:
                          rewrite: [{path: /labels/x, value: {a: 1}}]
                          route:
                            destination: {spec: {protocol: UDP, port: 9}, endpoints: [{spec: {address: 127.0.0.1}, weight: 2}],
                                          loadbalancer: {policy: ConsistentHash, key: IP/src_addr}}
                            ingress: [{spec: {protocol: Echo}}]
                            retry: {retry_on: always, num_retries: 3, timeout: 500}
                """);
        try (L7mp proxy = L7mp.builder().config(cfg).build()) {
            proxy.start().get(5, SECONDS);
            final Config running = proxy.config();
            assertThat(running.rulelists()).extracting(r -> r.name()).containsExactly("in-RuleList-1");
            assertThat(running.clusters()).hasSize(2);
            final Path f = dir.resolve("dump.yaml");
            Files.writeString(f, CODEC.toYaml(running));
            final Config reloaded = CODEC.read(f);
            assertThat(CODEC.toJson(reloaded)).isEqualTo(CODEC.toJson(running));
            final Path j = dir.resolve("dump.json");
            Files.writeString(j, CODEC.toJson(running));
            assertThat(CODEC.toJson(CODEC.read(j))).isEqualTo(CODEC.toJson(running));
        }
    }
}
