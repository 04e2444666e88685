package io.l7mp.rest;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.testing.Await;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The curl session of l7mp's README, call by call, against a proxy started like l7mp-minimal.yaml, with real UDP
 * peers: a sender bound to the source port the listener expects (socat's part) and a receiver (websocat's part).
 * The README's upstream is a WebSocket cluster; this test uses a UDP cluster of the same name in its place, and a
 * recording pass-through registered as {@code Logger}. The listeners bind 127.0.0.1 instead of all interfaces.
 */
class ReadmeTutorialTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return s.getLocalPort();
        }
    }

    private static DatagramPacket receive(DatagramSocket s) throws Exception {
        final DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        return p;
    }

    private static String text(DatagramPacket p) {
        return new String(p.getData(), 0, p.getLength(), US_ASCII);
    }

    private static void send(DatagramSocket s, SocketAddress to, String msg) throws Exception {
        final byte[] b = msg.getBytes(US_ASCII);
        s.send(new DatagramPacket(b, b.length, to));
    }

    @Test
    void theReadmeCurlSessionRunsEndToEnd() throws Exception {
        final TestProtocols.Logger logger = new TestProtocols.Logger();
        final int listenPort = freeUdpPort();
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = RestApi.addTo(L7mp.builder().protocol(logger), "127.0.0.1", 0).build()) {
            receiver.setSoTimeout(5_000);
            sender.setSoTimeout(5_000);
            proxy.start().get(5, SECONDS);
            final Api api = Api.of(proxy);

            // Query configuration; manage sessions: only the API call's own session is there.
            assertThat(api.get("/api/v1/config").status()).isEqualTo(200);
            final JsonNode sessions = api.get("/api/v1/sessions").json();
            assertThat(sessions).hasSize(1);
            assertThat(sessions.get(0).get("name").asText()).startsWith("HTTP:");

            // Add a new cluster (the README's WebSocket cluster, as UDP) and the sticky one.
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters", """
                    cluster:
                      name: ws-cluster
                      spec: { protocol: "UDP", port: %d }
                      endpoints:
                        - spec: { address:  "127.0.0.1" }
                    """.formatted(receiver.getLocalPort())));
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters", """
                    cluster:
                      name: ws-cluster-with-sticky-sessions
                      spec: { protocol: "UDP", port: %d }
                      endpoints:
                        - spec: { address:  "127.0.0.1" }
                          weight: 3
                        - spec: { address:  "127.0.0.2" }
                        - spec: { address:  "127.0.0.3" }
                      loadbalancer:
                        policy: "ConsistentHash"
                        key: "IP/src_addr"
                    """.formatted(receiver.getLocalPort())));
            final JsonNode sticky = api.get("/api/v1/clusters/ws-cluster-with-sticky-sessions?recursive=true").json();
            assertThat(sticky.get("endpoints").findValues("weight")).extracting(JsonNode::asInt)
                    .containsExactly(3, 1, 1);
            assertThat(sticky.at("/loadbalancer/policy").asText()).isEqualTo("ConsistentHash");
            assertThat(sticky.at("/loadbalancer/key").asText()).isEqualTo("IP/src_addr");

            // Add a new listener and a route, with an inline Logger in the ingress chain and a retry policy.
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                    listener:
                      name: udp-listener
                      spec: { protocol: UDP, address: 127.0.0.1, port: %d, connect: {port: %d} }
                      rules:
                        - action:
                            route:
                              destination: ws-cluster
                              ingress:
                                - spec: { protocol: Logger }
                              retry: {retry_on: always, num_retries: 3, timeout: 2000}
                    """.formatted(listenPort, sender.getLocalPort())));
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters", """
                    cluster:
                      name: logger-cluster
                      spec: { protocol: "Logger" }
                    """));

            // Test the connection: what the sender types reaches the receiver, and is logged.
            final InetSocketAddress listener = new InetSocketAddress("127.0.0.1", listenPort);
            send(sender, listener, "first line\n");
            final DatagramPacket first = receive(receiver);
            assertThat(text(first)).isEqualTo("first line\n");
            send(sender, listener, "second line\n");
            assertThat(text(receive(receiver))).isEqualTo("second line\n");
            assertThat(logger.seen).containsExactly("first line\n", "second line\n");
            send(receiver, first.getSocketAddress(), "hello-from-ws");
            assertThat(text(receive(sender))).isEqualTo("hello-from-ws");
            assertThat(logger.seen).hasSize(2);

            // The session: listed, shown, deleted.
            final String prefix = "UDP:127.0.0.1:" + sender.getLocalPort() + "-127.0.0.1:" + listenPort + "-";
            String name = null;
            for (final JsonNode s : api.get("/api/v1/sessions").json()) {
                if (s.get("name").asText().startsWith(prefix)) {
                    name = s.get("name").asText();
                }
            }
            assertThat(name).isNotNull();
            final JsonNode s = api.get("/api/v1/sessions/" + name).json();
            assertThat(s.get("status").asText()).isEqualTo("CONNECTED");
            assertThat(s.at("/metadata/UDP/src_port").asInt()).isEqualTo(sender.getLocalPort());
            assertThat(s.at("/metadata/UDP/dst_port").asInt()).isEqualTo(listenPort);
            assertThat(s.at("/ingress/0/origin").asText()).isEqualTo("udp-listener-RuleList-2-Rule-2-Route-2-ingress-Cluster-1");
            assertThat(s.at("/destination/origin").asText()).isEqualTo("ws-cluster");
            RestApiTest.assertOk(api.delete("/api/v1/sessions/" + name));
            final String gone = name;
            Await.until(WAIT, "the session to go",
                    () -> proxy.sessions().stream().noneMatch(x -> x.name().equals(gone)));
            assertThat(api.get("/api/v1/sessions/" + name).status()).isEqualTo(404);

            // The same listener without the embedded cluster definition, on the same port.
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                    listener:
                      name: udp-listener-with-no-embedded-cluster-def
                      spec: { protocol: UDP, address: 127.0.0.1, port: %d, connect: {port: %d} }
                      rules:
                        - action:
                            route:
                              destination: ws-cluster
                              ingress:
                                - logger-cluster
                              retry: {retry_on: always, num_retries: 3, timeout: 2000}
                    """.formatted(listenPort, sender.getLocalPort())));

            // Clean up: plain deletes keep the embedded objects...
            RestApiTest.assertOk(api.delete("/api/v1/listeners/udp-listener"));
            RestApiTest.assertOk(api.delete("/api/v1/clusters/ws-cluster"));
            assertThat(api.get("/api/v1/rulelists/udp-listener-RuleList-2").status()).isEqualTo(200);
            assertThat(api.get("/api/v1/rules/udp-listener-RuleList-2-Rule-2").status()).isEqualTo(200);
            assertThat(api.get("/api/v1/routes/udp-listener-RuleList-2-Rule-2-Route-2").status()).isEqualTo(200);
            assertThat(api.get("/api/v1/clusters/udp-listener-RuleList-2-Rule-2-Route-2-ingress-Cluster-1").status())
                    .isEqualTo(200);

            // ... recursive ones remove them, the named logger-cluster stays, the endpoints go with their cluster.
            final String stickyEndpoint = sticky.get("endpoints").get(0).get("name").asText();
            RestApiTest.assertOk(api.delete("/api/v1/listeners/udp-listener-with-no-embedded-cluster-def"
                    + "?recursive=true"));
            RestApiTest.assertOk(api.delete("/api/v1/clusters/ws-cluster-with-sticky-sessions?recursive=true"));
            assertThat(api.get("/api/v1/rulelists/udp-listener-with-no-embedded-cluster-def-RuleList-3").status())
                    .isEqualTo(404);
            assertThat(api.get("/api/v1/clusters/logger-cluster").status()).isEqualTo(200);
            assertThat(api.get("/api/v1/endpoints/" + stickyEndpoint).status()).isEqualTo(404);
            assertThat(api.get("/api/v1/listeners").json()).hasSize(1);
        }
    }
}
