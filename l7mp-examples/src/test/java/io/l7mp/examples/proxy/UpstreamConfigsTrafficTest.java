package io.l7mp.examples.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.testing.UdpEchoServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * l7mp's own example configs, run as they are (only their fixed ports moved to free ones, see
 * {@link SharedFiles#withFreePorts}), pass traffic with real peers on loopback: not just load. Configs whose
 * upstream is on the Internet (l7mp-rewrite.yaml) or on the proxy's stdin/stdout (l7mp-simple.yaml) are in MainTest.
 */
class UpstreamConfigsTrafficTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();

    private static L7mp start(String yaml) throws Exception {
        final L7mp p = L7mp.builder().config(ConfigCodec.defaults().readConfig(yaml, true)).build();
        p.start().get(10, SECONDS);
        return p;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String roundTrip(DatagramSocket s, int port, String msg) throws IOException {
        send(s, port, msg);
        return receive(s);
    }

    private static void send(DatagramSocket s, int port, String msg) throws IOException {
        final byte[] b = msg.getBytes(UTF_8);
        s.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", port)));
    }

    private static String receive(DatagramSocket s) throws IOException {
        s.setSoTimeout(10_000);
        final DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), UTF_8);
    }

    private static DatagramSocket udp() throws IOException {
        return new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    }

    /** A WebSocket client whose received messages queue up. */
    private WebSocket ws(URI uri, Map<String, String> headers, BlockingQueue<String> in) throws Exception {
        return wsAsync(uri, headers, in).get(10, SECONDS);
    }

    private java.util.concurrent.CompletableFuture<WebSocket> wsAsync(URI uri, Map<String, String> headers,
            BlockingQueue<String> in) {
        final WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(WAIT);
        headers.forEach(b::header);
        return b.buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    in.add(text.toString());
                    text.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                in.add(UTF_8.decode(data).toString());
                w.request(1);
                return null;
            }
        });
    }

    private static long sample(String text, String series) {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void minimalAndPrometheusServeTheApiAndTheMetrics() throws Exception {
        final Map<Integer, Integer> ports = SharedFiles.ports();
        try (L7mp p = start(SharedFiles.config("l7mp-minimal.yaml", ports))) {
            final HttpResponse<String> r = get(ports.get(1234), "/api/v1/config");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"controller-listener\"", "\"stdio\"", "\"logger\"");
        }
        final Map<Integer, Integer> ports2 = SharedFiles.ports();
        try (L7mp p = start(SharedFiles.config("l7mp-prometheus.yaml", ports2))) {
            assertThat(get(ports2.get(8080), "/metrics").body()).contains("l7mp_info{version=");
            assertThat(get(ports2.get(8080), "/other").statusCode()).isEqualTo(404);
            assertThat(get(ports2.get(1234), "/api/v1/listeners/prometheus_listener").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void metricPrometheusCountsEachSessionsTrafficOnTheMetricsPage() throws Exception {
        final Map<Integer, Integer> ports = SharedFiles.ports();
        final String yaml = SharedFiles.config("l7mp-metric-prometheus.yaml", ports);
        try (UdpEchoServer backend = UdpEchoServer.at("127.0.0.1", ports.get(16000), "");
             DatagramSocket client = udp();
             L7mp p = start(yaml)) {
            assertThat(roundTrip(client, ports.get(15000), "hello")).isEqualTo("hello");
            final String session = p.sessions().stream().filter(s -> s.listener().equals("udp-listener-1"))
                    .findFirst().orElseThrow().name();
            final String metrics = get(ports.get(8080), "/metrics").body();
            assertThat(sample(metrics, "session_byte_counter_total{sessionName=\"" + session
                    + "\",clusterName=\"ingress-metric-counter\"}")).isEqualTo(5);
            assertThat(sample(metrics, "session_packet_counter_total{sessionName=\"" + session
                    + "\",clusterName=\"egress-metric-counter\"}")).isEqualTo(1);
        }
    }

    @Test
    void ruleTestRoutesWebSocketsByPathAndKeepsEndedSessionsListed() throws Exception {
        final Map<Integer, Integer> ports = SharedFiles.ports();
        try (L7mp p = start(SharedFiles.config("l7mp-rule-test.yaml", ports))) {
            final BlockingQueue<String> in = new LinkedBlockingQueue<>();
            final WebSocket w = ws(URI.create("ws://127.0.0.1:" + ports.get(9999) + "/admin/x"), Map.of(), in);
            w.sendText("to the echo", true).get(10, SECONDS);
            assertThat(in.poll(10, SECONDS)).isEqualTo("to the echo");
            w.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, SECONDS);
            // options.track: 3600 keeps the ended session in the list, as l7mp does.
            io.l7mp.testing.Await.until(WAIT, "the ended session listed", () -> p.sessions().stream()
                    .anyMatch(s -> s.listener().equals("ws-l") && s.status().name().equals("DESTROYED")));
        }
    }

    @Test
    void syncTestJoinsTwoWebSocketsWithTheSameIdHeader() throws Exception {
        final Map<Integer, Integer> ports = SharedFiles.ports();
        try (L7mp p = start(SharedFiles.config("l7mp-sync-test.yaml", ports))) {
            final URI uri = URI.create("ws://127.0.0.1:" + ports.get(9000) + "/");
            final BlockingQueue<String> a = new LinkedBlockingQueue<>();
            final BlockingQueue<String> b = new LinkedBlockingQueue<>();
            // The handshake completes when the session connects, that is when its peer has joined: open both at once.
            final var fa = wsAsync(uri, Map.of("id", "42"), a);
            final var fb = wsAsync(uri, Map.of("id", "42"), b);
            final WebSocket wa = fa.get(10, SECONDS);
            final WebSocket wb = fb.get(10, SECONDS);
            wb.sendText("b to a", true).get(10, SECONDS);
            assertThat(a.poll(10, SECONDS)).isEqualTo("b to a");
            wa.sendText("a to b", true).get(10, SECONDS);
            assertThat(b.poll(10, SECONDS)).isEqualTo("a to b");
            wa.abort();
            wb.abort();
        }
    }

    @Test
    void udpUdpJoinsTwoUdpPeersOnTheRewrittenLabel() throws Exception {
        final Map<Integer, Integer> ports = SharedFiles.ports();
        try (DatagramSocket a = udp();
             DatagramSocket b = udp();
             L7mp p = start(SharedFiles.config("l7mp-udp-udp.yaml", ports))) {
            // A's first datagram waits at the rendezvous until B joins, then reaches B.
            send(a, ports.get(9001), "from a");
            send(b, ports.get(9002), "from b");
            assertThat(receive(b)).isEqualTo("from a");
            assertThat(receive(a)).isEqualTo("from b");
        }
    }

    @Test
    void udsEchoEchoesOverTheUnixSocket(@TempDir Path dir) throws Exception {
        final Path sock = dir.resolve("uds-echo.sock");
        final String yaml = SharedFiles.config("l7mp-uds-echo.yaml", SharedFiles.ports())
                .replace("/var/run/sock/uds-echo.sock", sock.toString());
        try (L7mp p = start(yaml);
             SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(sock));
            c.write(ByteBuffer.wrap("over unix".getBytes(UTF_8)));
            // Bounded: closing the channel (try-with-resources) ends a read that never returns.
            final String got = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                final ByteBuffer b = ByteBuffer.allocate(100);
                try {
                    for (int i = 0; i < 100 && b.position() < 9; i++) {
                        if (c.read(b) < 0) {
                            break;
                        }
                    }
                } catch (final IOException e) {
                    return "failed: " + e;
                }
                return new String(b.array(), 0, b.position(), UTF_8);
            }).get(10, SECONDS);
            assertThat(got).isEqualTo("over unix");
        }
    }
}
