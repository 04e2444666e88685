package io.l7mp.transform;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.SessionStatus;
import io.l7mp.protocol.JsonSocketSpec;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.protocol.WebSocketSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RetryOn;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.Await;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Remote transforms ("bump in the wire"): a cluster of a remote service named in a route's ingress chain, here a
 * WebSocket and a JSONSocket service that upper-case what they get; the route's retries cover a service that comes up
 * late or goes away for a while.
 */
class RemoteTransformTest {
    private static final Duration WAIT = Duration.ofSeconds(8);

    /** A service proxy: what arrives on {@code listener} comes back upper-cased. */
    private static L7mp service(ProtocolSpec listener) throws Exception {
        final L7mp s = L7mp.builder()
                .protocol(TransformProvider.of("Upper", StreamKind.DATAGRAM, TransformSpiTest.UPPER))
                .cluster("upper", c -> c.spec(TransformSpec.of("Upper")))
                .listener("svc", l -> l.spec(listener).rule(r -> r.route(rt -> rt.destination("upper"))))
                .build();
        s.start().get(5, SECONDS);
        return s;
    }

    /** The front proxy: UDP in, the service in the ingress chain, Echo as the destination, retries per {@code on}. */
    private static L7mp front(ProtocolSpec remote, RetryOn on) throws Exception {
        final L7mp p = L7mp.builder()
                .cluster("remote", c -> c.spec(remote).endpoint("127.0.0.1"))
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("remote")
                                .retryOn(on).numRetries(40).timeout(Duration.ofMillis(150)))))
                .build();
        p.start().get(5, SECONDS);
        return p;
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return s.getLocalPort();
        }
    }

    private static boolean has(List<SessionEvent> events, String event, String content) {
        return events.stream().anyMatch(e -> e.event().equals(event)
                && (content == null || e.content() != null && e.content().contains(content)));
    }

    @Test
    void aWebSocketServiceThatComesUpLateIsRetriedAndThenTransformsTheStream() throws Exception {
        final int port = freeTcpPort();
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp front = front(WebSocketSpec.port(port), RetryOn.CONNECT_FAILURE);
             Udp client = new Udp()) {
            front.subscribe(events::add);
            client.send(Udp.of(front, "in"), "sent before the service is up");
            Await.until(WAIT, "a failed connect to the service", () -> has(events, "RETRY", null));
            try (L7mp svc = service(WebSocketSpec.bind("127.0.0.1", port))) {
                // The datagram waited in the listener while the session connected.
                assertThat(client.receive()).isEqualTo("SENT BEFORE THE SERVICE IS UP");
                assertThat(client.roundTrip(Udp.of(front, "in"), "and after")).isEqualTo("AND AFTER");
                final SessionInfo s = front.sessions().get(0);
                assertThat(s.ingress().get(0).origin()).isEqualTo("remote");
                assertThat(s.stats().retries()).isPositive();
                assertThat(svc.sessions()).isNotEmpty();
            }
        }
    }

    @Test
    void aWebSocketServiceThatGoesAwayIsReconnectedWhenItComesBack() throws Exception {
        final int port = freeTcpPort();
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp front = front(WebSocketSpec.port(port), RetryOn.ALWAYS);
             Udp client = new Udp()) {
            front.subscribe(events::add);
            try (L7mp svc = service(WebSocketSpec.bind("127.0.0.1", port))) {
                assertThat(client.roundTrip(Udp.of(front, "in"), "one")).isEqualTo("ONE");
            }
            Await.until(WAIT, "the service's stage to disconnect", () -> has(events, "DISCONNECT", null));
            Await.until(WAIT, "a reconnect attempt to fail", () -> has(events, "RETRY", null));
            try (L7mp svc = service(WebSocketSpec.bind("127.0.0.1", port))) {
                Await.until(WAIT, "the session to reconnect", () -> !svc.sessions().isEmpty()
                        && front.sessions().get(0).status() == SessionStatus.CONNECTED);
                assertThat(client.roundTrip(Udp.of(front, "in"), "two")).isEqualTo("TWO");
                assertThat(front.sessions()).hasSize(1);
            }
        }
    }

    @Test
    void aJsonSocketServiceThatComesUpLateIsRetriedAndThenTransformsTheStream() throws Exception {
        final int port = freeUdpPort();
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp front = front(JsonSocketSpec.over(UdpSpec.port(port)), RetryOn.CONNECT_FAILURE);
             Udp client = new Udp()) {
            front.subscribe(events::add);
            client.send(Udp.of(front, "in"), "early");
            Await.until(WAIT, "a failed JSONSocket handshake", () -> has(events, "RETRY", null));
            try (L7mp svc = service(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", port)))) {
                assertThat(client.receive()).isEqualTo("EARLY");
                assertThat(client.roundTrip(Udp.of(front, "in"), "late")).isEqualTo("LATE");
                // An attempt that timed out may have left a session on the service; the stream is on one of them.
                assertThat(svc.sessions()).isNotEmpty().allMatch(x -> x.name().startsWith("JSONSocket:svc-"));
            }
        }
    }

    @Test
    void aJsonSocketServiceThatGoesAwayIsReconnectedWhenItComesBack() throws Exception {
        final int port = freeUdpPort();
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp front = front(JsonSocketSpec.over(UdpSpec.port(port)), RetryOn.ALWAYS);
             Udp client = new Udp()) {
            front.subscribe(events::add);
            try (L7mp svc = service(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", port)))) {
                assertThat(client.roundTrip(Udp.of(front, "in"), "one")).isEqualTo("ONE");
            }
            // Over UDP the service's absence shows when the next datagram bounces (ICMP port unreachable).
            client.send(Udp.of(front, "in"), "into the void");
            Await.until(WAIT, "the service's stage to disconnect", () -> has(events, "DISCONNECT", null));
            try (L7mp svc = service(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", port)))) {
                Await.until(WAIT, "the session to reconnect", () -> !svc.sessions().isEmpty()
                        && front.sessions().get(0).status() == SessionStatus.CONNECTED);
                assertThat(client.roundTrip(Udp.of(front, "in"), "two")).isEqualTo("TWO");
            }
        }
    }

    @Test
    void withoutRetriesAMissingServiceFailsTheSession() throws Exception {
        final int port = freeTcpPort();
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp front = front(WebSocketSpec.port(port), RetryOn.NEVER);
             Udp client = new Udp()) {
            front.subscribe(events::add);
            client.send(Udp.of(front, "in"), "x");
            Await.until(WAIT, "the session to fail", () -> has(events, "ERROR", null));
            assertThat(has(events, "RETRY", null)).isFalse();
        }
    }
}
