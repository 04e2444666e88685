package io.l7mp.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ClusterInfo;
import io.l7mp.ConfigException;
import io.l7mp.EndpointInfo;
import io.l7mp.L7mp;
import io.l7mp.ListenerInfo;
import io.l7mp.SyncResult;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.TcpEchoServer;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The declarative sync: the running config converges on the desired one, and what did not change keeps running. */
class SyncTest {
    private static final ConfigCodec CODEC = ConfigCodec.defaults();

    private static Config yaml(String text) {
        return CODEC.readConfig(text, true);
    }

    private static Config desired(int listenPort, String clusterBlock, String destination) {
        return yaml("""
                listeners:
                  - name: in
                    spec: {protocol: TCP, address: 127.0.0.1, port: %d}
                    rules:
                      - action: {route: {destination: %s}}
                clusters:
                %s
                """.formatted(listenPort, destination, clusterBlock.indent(2)));
    }

    private static String exchange(Socket s, String msg) throws java.io.IOException {
        return TcpProxyTest.exchange(s, msg, msg.length() + 2);
    }

    private static SyncResult sync(L7mp proxy, Config c) throws Exception {
        return proxy.sync(c).get(5, SECONDS);
    }

    @Test
    void aSyncAddsChangesInPlaceLeavesAloneAndRemoves() throws Exception {
        final int port = TcpProxyTest.freePort();
        try (TcpEchoServer a = new TcpEchoServer(0, "A:");
             TcpEchoServer b = new TcpEchoServer(0, "B:");
             L7mp proxy = L7mp.builder()
                     .cluster("mine", c -> c.spec(ProtocolSpec.of("Echo")))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final String oneEndpoint = """
                    - name: up
                      spec: {protocol: TCP, port: %d}
                      endpoints: [{name: a, spec: {address: 127.0.0.1}}]
                    - name: echo
                      spec: {protocol: Echo}
                    """.formatted(a.port());
            assertThat(sync(proxy, desired(port, oneEndpoint, "up")))
                    .isEqualTo(new SyncResult(java.util.List.of("cluster/up", "cluster/echo", "listener/in"),
                            java.util.List.of(), java.util.List.of(), 0));
            try (Socket live = new Socket("127.0.0.1", port)) {
                assertThat(exchange(live, "1")).isEqualTo("A:1");
                final String session = proxy.sessions().get(0).name();

                // The same config again changes nothing.
                assertThat(sync(proxy, desired(port, oneEndpoint, "up")))
                        .isEqualTo(new SyncResult(java.util.List.of(), java.util.List.of(), java.util.List.of(), 3));

                // A second endpoint and another policy: the cluster changes in place and its session carries on.
                final String twoEndpoints = """
                        - name: up
                          spec: {protocol: TCP, port: %d}
                          endpoints: [{name: a, spec: {address: 127.0.0.1}}, {name: b, spec: {address: 127.0.0.1, port: %d}}]
                          loadbalancer: {policy: RoundRobin}
                        - name: echo
                          spec: {protocol: Echo}
                        """.formatted(a.port(), b.port());
                final SyncResult r = sync(proxy, desired(port, twoEndpoints, "up"));
                assertThat(r.changed()).containsExactly("cluster/up");
                assertThat(r.unchanged()).isEqualTo(2);
                assertThat(exchange(live, "2")).isEqualTo("A:2");
                assertThat(proxy.cluster("up").endpoints()).extracting(EndpointInfo::name).containsExactly("a", "b");
                assertThat(proxy.cluster("up").spec().loadBalancerOrDefault().policy()).isEqualTo("RoundRobin");

                // The listener's rules change, its port does not: the socket and the session stay, new sessions
                // take the new route.
                final SyncResult r2 = sync(proxy, desired(port, twoEndpoints, "echo"));
                assertThat(r2.changed()).containsExactly("listener/in");
                assertThat(exchange(live, "3")).isEqualTo("A:3");
                assertThat(proxy.sessions()).extracting(s -> s.name()).contains(session);
                try (Socket fresh = new Socket("127.0.0.1", port)) {
                    assertThat(TcpProxyTest.exchange(fresh, "4", 1)).isEqualTo("4");
                }
                // The previous inline rules went with the change.
                assertThat(proxy.ruleLists()).hasSize(1);

                // Dropping an endpoint disconnects its sessions only: the live one is on a.
                final String onlyB = """
                        - name: up
                          spec: {protocol: TCP, port: %d}
                          endpoints: [{name: b, spec: {address: 127.0.0.1, port: %d}}]
                          loadbalancer: {policy: RoundRobin}
                        - name: echo
                          spec: {protocol: Echo}
                        """.formatted(a.port(), b.port());
                assertThat(sync(proxy, desired(port, onlyB, "echo")).changed()).containsExactly("cluster/up");
                assertThat(proxy.cluster("up").endpoints()).extracting(EndpointInfo::name).containsExactly("b");

                // Gone from the desired config: removed, sessions ended; what no sync made stays.
                final SyncResult r3 = sync(proxy, yaml("clusters: [{name: echo, spec: {protocol: Echo}}]"));
                assertThat(r3.removed()).containsExactly("listener/in", "cluster/up");
                assertThat(proxy.listeners()).extracting(ListenerInfo::name).doesNotContain("in");
                assertThat(proxy.clusters()).extracting(ClusterInfo::name).contains("mine", "echo")
                        .doesNotContain("up");
                live.setSoTimeout(5_000);
                final InputStream in = live.getInputStream();
                Await.until(Duration.ofSeconds(5), "the removed listener's session to end", () -> {
                    try {
                        return in.read() == -1;
                    } catch (final java.io.IOException e) {
                        return true;
                    }
                });
            }
        }
    }

    /**
     * A listener whose protocol changes but not its port is replaced (the old one lets go of the port first); when
     * another part of the same sync fails, the old one listens again and nothing changed.
     */
    @Test
    void aListenerChangesProtocolOnItsPort() throws Exception {
        final int port = TcpProxyTest.freePort();
        try (L7mp proxy = L7mp.builder().build();
             java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            proxy.start().get(5, SECONDS);
            sync(proxy, desired(port, "- {name: echo, spec: {protocol: Echo}}", "echo"));
            final Config before = proxy.config();
            final Config asHttp = yaml("""
                    listeners:
                      - name: in
                        spec: {protocol: HTTP, address: 127.0.0.1, port: %d}
                        rules: [{action: {route: {destination: echo}}}]
                      - name: other
                        spec: {protocol: TCP, address: 127.0.0.1, port: %d}
                        rules: [{action: {route: {destination: echo}}}]
                    clusters:
                      - {name: echo, spec: {protocol: Echo}}
                    """.formatted(port, taken.getLocalPort()));
            assertThatThrownBy(() -> proxy.sync(asHttp).get(5, SECONDS)).cause()
                    .hasMessageStartingWith("listeners[1].spec: cannot listen");
            assertThat(proxy.config()).isEqualTo(before);
            try (Socket c = new Socket("127.0.0.1", port)) {
                assertThat(TcpProxyTest.exchange(c, "tcp", 3)).isEqualTo("tcp");
            }
            final Config onlyHttp = new Config(null, asHttp.listeners().subList(0, 1), asHttp.clusters(),
                    java.util.List.of(), java.util.List.of(), java.util.List.of());
            assertThat(sync(proxy, onlyHttp).changed()).containsExactly("listener/in");
            assertThat(proxy.listener("in").spec().spec().protocol()).isEqualTo("HTTP");
            try (Socket c = new Socket("127.0.0.1", port)) {
                assertThat(TcpProxyTest.exchange(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 12)).isEqualTo("HTTP/1.1 200");
            }
        }
    }

    @Test
    void aBadSyncChangesNothing() throws Exception {
        final int port = TcpProxyTest.freePort();
        try (L7mp proxy = L7mp.builder().build()) {
            proxy.start().get(5, SECONDS);
            sync(proxy, desired(port, "- {name: echo, spec: {protocol: Echo}}", "echo"));
            final Config before = proxy.config();
            // A valid change to the listener next to an invalid new cluster: neither takes effect.
            final Config bad = yaml("""
                    listeners:
                      - name: in
                        spec: {protocol: TCP, address: 127.0.0.1, port: %d}
                        rules: [{action: {route: {destination: other}}}]
                    clusters:
                      - {name: echo, spec: {protocol: Echo}}
                      - {name: other, spec: {protocol: UDP, port: 9}, health_check: {}}
                    """.formatted(port));
            assertThatThrownBy(() -> proxy.sync(bad).get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("clusters[1].health_check.send: missing");
            assertThat(proxy.config()).isEqualTo(before);
            try (Socket c = new Socket("127.0.0.1", port)) {
                assertThat(TcpProxyTest.exchange(c, "still", 5)).isEqualTo("still");
            }
            assertThatThrownBy(() -> proxy.sync(yaml("""
                    clusters:
                      - {name: x, spec: {protocol: Echo}}
                      - {name: x, spec: {protocol: Discard}}
                    """)).get(5, SECONDS)).cause().isInstanceOf(ConfigException.class)
                    .hasMessage("clusters[1].name: \"x\" is also clusters[0]'s name");
            assertThatThrownBy(() -> proxy.sync(new Config(null, java.util.List.of(),
                    java.util.List.of(ClusterSpec.builder(null).spec(ProtocolSpec.of("Echo")).build()),
                    java.util.List.of(), java.util.List.of(), java.util.List.of())).get(5, SECONDS))
                    .cause().hasMessageStartingWith("clusters[0].name: missing");
            assertThat(proxy.config()).isEqualTo(before);
        }
    }

    /**
     * A control plane resyncs to undo drift: an object changed by other means since the last sync (the REST API does
     * it through the same engine calls) is applied again though its desired spec did not change, a listener whose
     * inline rules were edited included; what nobody touched stays unchanged.
     */
    @Test
    void aResyncUndoesChangesMadeByOtherMeans() throws Exception {
        final int port = TcpProxyTest.freePort();
        try (TcpEchoServer a = new TcpEchoServer(0, "A:");
             TcpEchoServer b = new TcpEchoServer(0, "B:");
             L7mp proxy = L7mp.builder().build()) {
            proxy.start().get(5, SECONDS);
            final Config want = desired(port, """
                    - name: up
                      spec: {protocol: TCP, port: %d}
                      endpoints: [{name: a, spec: {address: 127.0.0.1}}]
                    """.formatted(a.port()), "up");
            sync(proxy, want);

            // An endpoint added over the API: the resync takes it out again.
            proxy.addEndpoint("up", EndpointSpec.of("127.0.0.1", b.port())).get(5, SECONDS);
            assertThat(proxy.cluster("up").endpoints()).hasSize(2);
            SyncResult r = sync(proxy, want);
            assertThat(r.changed()).containsExactly("cluster/up");
            assertThat(r.unchanged()).isEqualTo(1);
            assertThat(proxy.cluster("up").endpoints()).extracting(EndpointInfo::name).containsExactly("a");

            // The listener's inline rule deleted over the API: the listener routes nothing until the resync.
            final String list = proxy.ruleLists().keySet().iterator().next();
            proxy.deleteRuleFromRuleList(list, "0", true).get(5, SECONDS);
            r = sync(proxy, want);
            assertThat(r.changed()).containsExactly("listener/in");
            try (Socket c = new Socket("127.0.0.1", port)) {
                assertThat(exchange(c, "back")).isEqualTo("A:back");
            }

            // Nothing changed since: nothing to do.
            assertThat(sync(proxy, want))
                    .isEqualTo(new SyncResult(java.util.List.of(), java.util.List.of(), java.util.List.of(), 2));
        }
    }
}
