package io.l7mp.protocol;

import static io.l7mp.protocol.TcpProxyTest.exchange;
import static io.l7mp.protocol.TcpProxyTest.freePort;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.EndpointHealth;
import io.l7mp.L7mp;
import io.l7mp.spec.CircuitBreakerSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.HealthCheckSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RetryOn;
import io.l7mp.testing.Await;
import io.l7mp.testing.TcpEchoServer;
import io.l7mp.testing.UdpEchoServer;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Active health checks and circuit breaking keep sessions off endpoints that are down, and let them back. */
class EndpointHealthTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static EndpointHealth health(L7mp proxy, String endpoint) {
        return proxy.endpoint(endpoint).health();
    }

    private static Socket client(L7mp proxy) throws Exception {
        return new Socket("127.0.0.1", proxy.listener("in").port());
    }

    /**
     * The first endpoint (the default policy's pick) goes down: its checks fail, new sessions go to the second, and
     * when it is back and passes its checks again, sessions return to it.
     */
    @Test
    void anEndpointFailingItsChecksGetsNoSessionsUntilItPassesAgain() throws Exception {
        final int firstPort = freePort();
        try (TcpEchoServer second = new TcpEchoServer(0, "2:");
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(1))
                             .endpoint(EndpointSpec.of("127.0.0.1", firstPort).withName("first"))
                             .endpoint(EndpointSpec.of("127.0.0.1", second.port()).withName("second"))
                             .healthCheck(HealthCheckSpec.every(Duration.ofMillis(50), Duration.ofMillis(500))
                                     .withThresholds(2, 2)))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            Await.until(WAIT, "the first endpoint to fail its checks",
                    () -> health(proxy, "first") == EndpointHealth.UNHEALTHY);
            assertThat(health(proxy, "second")).isEqualTo(EndpointHealth.HEALTHY);
            for (int i = 0; i < 3; i++) {
                try (Socket c = client(proxy)) {
                    assertThat(exchange(c, "x" + i, 4)).isEqualTo("2:x" + i);
                }
            }
            assertThat(proxy.sessions()).allSatisfy(s -> assertThat(s.stats().retries()).isZero());
            try (TcpEchoServer first = new TcpEchoServer(firstPort, "1:")) {
                Await.until(WAIT, "the first endpoint to pass its checks again",
                        () -> health(proxy, "first") == EndpointHealth.HEALTHY);
                try (Socket c = client(proxy)) {
                    assertThat(exchange(c, "back", 6)).isEqualTo("1:back");
                }
            }
        }
    }

    /**
     * Sessions that fail to connect to an endpoint eject it: later sessions go straight to the other one, without the
     * failed attempt and retry each paid before.
     */
    @Test
    void repeatedConnectFailuresEjectAnEndpoint() throws Exception {
        final int deadPort = freePort();
        try (TcpEchoServer live = new TcpEchoServer(0, "live:");
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(1))
                             .endpoint(EndpointSpec.of("127.0.0.1", deadPort).withName("dead"))
                             .endpoint(EndpointSpec.of("127.0.0.1", live.port()).withName("live"))
                             .loadBalancer("RoundRobin", null)
                             .circuitBreaker(CircuitBreakerSpec.of(2, Duration.ofMinutes(5))))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up").retryOn(RetryOn.ALWAYS).numRetries(2)
                                     .timeout(Duration.ofMillis(200)))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            // Round robin sends every other attempt to the dead endpoint until it has failed twice.
            for (int i = 0; i < 4; i++) {
                try (Socket c = client(proxy)) {
                    assertThat(exchange(c, "a" + i, 7)).isEqualTo("live:a" + i);
                }
            }
            assertThat(health(proxy, "dead")).isEqualTo(EndpointHealth.EJECTED);
            assertThat(health(proxy, "live")).isEqualTo(EndpointHealth.HEALTHY);
            final long retries = proxy.cluster("up").stats().retries();
            for (int i = 0; i < 6; i++) {
                try (Socket c = client(proxy)) {
                    assertThat(exchange(c, "b" + i, 7)).isEqualTo("live:b" + i);
                }
            }
            assertThat(proxy.cluster("up").stats().retries()).as("retries once the dead endpoint is out")
                    .isEqualTo(retries);
        }
    }

    @Test
    void withEveryEndpointOutASessionFailsAtOnce() throws Exception {
        final int deadPort = freePort();
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(deadPort)).endpoint(EndpointSpec.of("127.0.0.1").withName("e"))
                        .circuitBreaker(CircuitBreakerSpec.of(1, Duration.ofMinutes(5))))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket c = client(proxy)) {
                c.setSoTimeout(5_000);
                assertThat(c.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(health(proxy, "e")).isEqualTo(EndpointHealth.EJECTED);
            final java.util.List<io.l7mp.SessionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (AutoCloseable sub = proxy.subscribe(events::add); Socket c = client(proxy)) {
                c.setSoTimeout(5_000);
                assertThat(c.getInputStream().read()).isEqualTo(-1);
                Await.until(WAIT, "the session's error", () -> events.stream()
                        .anyMatch(e -> e.event().equals("ERROR")));
            }
            assertThat(events).filteredOn(e -> e.event().equals("ERROR")).first()
                    .satisfies(e -> assertThat(e.content()).contains("No healthy endpoint in cluster up")
                            .contains("1 ejected by the circuit breaker"));
        }
    }

    /** A UDP connect proves nothing, so a UDP check sends a message: an endpoint that answers is healthy. */
    @Test
    void aUdpCheckSendsAMessageAndWaitsForTheAnswer() throws Exception {
        final int silentPort;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0,
                java.net.InetAddress.getLoopbackAddress())) {
            silentPort = probe.getLocalPort();
        }
        try (UdpEchoServer echo = new UdpEchoServer("127.0.0.1", "");
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(UdpSpec.port(1))
                             .endpoint(EndpointSpec.of("127.0.0.1", silentPort).withName("silent"))
                             .endpoint(EndpointSpec.of("127.0.0.1", echo.port()).withName("echo"))
                             .healthCheck(HealthCheckSpec.every(Duration.ofMillis(50), Duration.ofMillis(200))
                                     .withThresholds(1, 1).withSend("ping")))
                     .build()) {
            proxy.start().get(5, SECONDS);
            Await.until(WAIT, "the silent endpoint to fail its check",
                    () -> health(proxy, "silent") == EndpointHealth.UNHEALTHY);
            Await.until(WAIT, "the echoing endpoint to pass", () -> health(proxy, "echo") == EndpointHealth.HEALTHY);
        }
    }

    @Test
    void checksAreValidatedWithTheirPath() {
        assertThatThrownBy(() -> L7mp.builder().cluster("up", c -> c.spec(UdpSpec.port(9)).endpoint("127.0.0.1")
                .healthCheck(HealthCheckSpec.DEFAULT)).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("clusters[0].health_check.send: missing (a UDP connect succeeds");
        assertThatThrownBy(() -> L7mp.builder().cluster("e", c -> c.spec(ProtocolSpec.of("Echo"))
                .circuitBreaker(CircuitBreakerSpec.DEFAULT)).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("clusters[0].circuit_breaker: Echo clusters have no endpoints to check");
        final ConfigCodec codec = ConfigCodec.defaults();
        assertThatThrownBy(() -> codec.readConfig("""
                clusters:
                  - name: up
                    spec: {protocol: TCP, port: 80}
                    health_check: {interval: 0}
                """, true)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("clusters[0].health_check.interval: 0 (expected: > 0 milliseconds)");
        final Config parsed = codec.readConfig("""
                clusters:
                  - name: up
                    spec: {protocol: TCP, port: 80}
                    endpoints: [{spec: {address: 127.0.0.1}}]
                    health_check: {interval: 1000, unhealthy_threshold: 5}
                    circuit_breaker: {consecutive_failures: 3}
                """, true);
        final ClusterSpec up = parsed.clusters().get(0);
        assertThat(up.healthCheck()).isEqualTo(new HealthCheckSpec(1000, 1000, 2, 5, null));
        assertThat(up.circuitBreaker()).isEqualTo(new CircuitBreakerSpec(3, 30_000));
    }
}
