package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import io.l7mp.testing.conformance.DatagramPeer;
import io.l7mp.testing.conformance.StreamPeer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairs of different protocols through one proxy, with real peers on loopback, that the other tests do not cover:
 * WebSocket into UDP, a Unix stream into WebSocket, JSONSocket metadata crossing two proxies to a UDP server, and
 * a TCP client's half-close reaching real commands ({@code wc}, {@code tr}). See docs/conformance.md for the
 * whole list and where each pair is tested.
 */
class CrossProtocolTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static byte[] message(int size, int seed) {
        final byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('A' + (i + seed) % 26);
        }
        return b;
    }

    @Test
    void webSocketMessagesBecomeUdpDatagramsAndBack() throws Exception {
        try (UdpEchoServer udp = new UdpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("udp", c -> c.spec(UdpSpec.port(udp.port())).endpoint("127.0.0.1"))
                     .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("udp"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (StreamPeer ws = WsPeer.connect(proxy.listener("ws").port(), "/to-udp")) {
                // One message at a time: UDP may drop a burst, but never merges or splits a datagram.
                int seed = 0;
                for (final int size : new int[] {1, 100, 1400, 9000, 30000, 60000, 5}) {
                    final byte[] m = message(size, seed++);
                    ws.send(m);
                    assertThat(ws.receive(WAIT)).isEqualTo(m);
                }
            }
            assertThat(udp.received()).isEqualTo(7);
        }
    }

    @Test
    void unixStreamBytesTravelAsWebSocketMessages() throws Exception {
        final Path sock = dir.resolve("in.sock");
        try (NettyWsServer ws = new NettyWsServer(null, null, "ws:");
             L7mp proxy = L7mp.builder()
                     .cluster("ws", c -> c.spec(WebSocketSpec.port(ws.port())).endpoint("127.0.0.1"))
                     .listener("unix", l -> l.spec(UnixSpec.listen(sock.toString()))
                             .rule(r -> r.route(rt -> rt.destination("ws"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (StreamPeer c = StreamPeer.of(SocketChannel.open(UnixDomainSocketAddress.of(sock)),
                    StreamPeer.Framing.NONE)) {
                c.send("hello over a unix socket".getBytes(US_ASCII));
                assertThat(readAtLeast(c, 27)).isEqualTo("ws:hello over a unix socket");
                assertThat(ws.request().uri()).isEqualTo("/");
            }
            // The client's close closes the WebSocket connection too (with a close frame).
            Await.until(WAIT, "the WebSocket connection to close", () -> ws.connections.isEmpty());
        }
    }

    @Test
    void jsonSocketHeaderCarriesMetadataAcrossTwoProxiesToAUdpServer() throws Exception {
        try (UdpEchoServer udp = new UdpEchoServer("127.0.0.1", "udp:");
             L7mp second = L7mp.builder()
                     .cluster("udp", c -> c.spec(UdpSpec.port(udp.port())).endpoint("127.0.0.1"))
                     .listener("js-in", l -> l.spec(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0)))
                             .rule(r -> r.matchTest("/JSONSocket/labels/tenant", "blue")
                                     .route(rt -> rt.destination("udp"))))
                     .build()) {
            second.start().get(5, SECONDS);
            final JsonSocketSpec out = JsonSocketSpec.over(UdpSpec.port(second.listener("js-in").port()))
                    .withHeader(List.of(JsonSocketSpec.Header.copy("/labels", "/labels"),
                            JsonSocketSpec.Header.copy("/UDP/src_port", "/client/port"),
                            JsonSocketSpec.Header.set("via", TextNode.valueOf("first"))));
            try (L7mp first = L7mp.builder()
                    .cluster("js-out", c -> c.spec(out).endpoint("127.0.0.1"))
                    .listener("udp-in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.rewrite("/labels/tenant", "blue").route(rt -> rt.destination("js-out"))))
                    .build()) {
                first.start().get(5, SECONDS);
                final DatagramPeer client = new DatagramPeer(
                        new InetSocketAddress("127.0.0.1", first.listener("udp-in").port()));
                client.send("ping".getBytes(US_ASCII));
                // The UDP server saw the payload only: the JSONSocket header ended at the second proxy.
                assertThat(new String(client.receive(WAIT), US_ASCII)).isEqualTo("udp:ping");
                client.send("pong".getBytes(US_ASCII));
                assertThat(new String(client.receive(WAIT), US_ASCII)).isEqualTo("udp:pong");
                assertThat(udp.received()).isEqualTo(2);
                final SessionInfo s = Await.value(WAIT, "the second proxy's session", () -> second.sessions()
                        .stream().filter(x -> x.listener().equals("js-in")).findFirst().orElse(null));
                final JsonNode md = s.metadata();
                assertThat(md.at("/JSONSocket/labels/tenant").asText()).isEqualTo("blue");
                assertThat(md.at("/JSONSocket/client/port").asInt()).isEqualTo(client.socket().getLocalPort());
                assertThat(md.at("/JSONSocket/via").asText()).isEqualTo("first");
                assertThat(s.destination().origin()).isEqualTo("udp");
                client.close();
            }
        }
    }

    @Test
    void tcpHalfCloseEndsTheInputOfAForkedWc() throws Exception {
        // wc answers only at the end of its input: the client's half-close has to close its stdin.
        try (L7mp proxy = L7mp.builder()
                .cluster("wc", c -> c.spec(ForkSpec.of("wc", "-c")))
                .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("wc"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (StreamPeer client = StreamPeer.connectTcp(proxy.listener("tcp").port(), StreamPeer.Framing.NONE)) {
                client.send(message(100_000, 3));
                client.shutdownOutput();
                final ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] b;
                while ((b = client.receive(WAIT)) != null) {
                    got.writeBytes(b);
                }
                assertThat(got.toString(US_ASCII).trim()).isEqualTo("100000");
            }
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void tcpHalfCloseLetsABufferingCommandAnswer() throws Exception {
        // tr writes through a full buffer only: without stdbuf it answers at the end of its input, which the
        // client's half-close brings through the proxy.
        try (L7mp proxy = L7mp.builder()
                .cluster("tr", c -> c.spec(ForkSpec.of("tr", "a-z", "A-Z")))
                .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("tr"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (StreamPeer client = StreamPeer.connectTcp(proxy.listener("tcp").port(), StreamPeer.Framing.NONE)) {
                client.send("half-closed\n".getBytes(US_ASCII));
                client.send("then answered\n".getBytes(US_ASCII));
                client.shutdownOutput();
                final ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] b;
                while ((b = client.receive(WAIT)) != null) {
                    got.writeBytes(b);
                }
                assertThat(got.toString(US_ASCII)).as("what came back (the stream ended with %s)", client.endCause())
                        .isEqualTo("HALF-CLOSED\nTHEN ANSWERED\n");
            }
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * A TCP upstream's bulk answer reaches a UDP client whole: the proxy reads the stream in pieces of up to 64 KiB,
     * more than one datagram carries (65,507 bytes), and those pieces were refused by the socket and lost without a
     * word. Each burst is answered only once the client has it all, so no datagram is lost to a full receive buffer.
     */
    @Test
    void bulkTcpBytesReachAUdpClientWhole() throws Exception {
        final int burst = 128 * 1024;
        final int bursts = 4;
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        try (java.net.ServerSocket backend = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("tcp", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("tcp"))))
                     .build();
             java.net.DatagramSocket client = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            client.setReceiveBufferSize(1 << 20);
            client.setSoTimeout(200);
            client.send(new java.net.DatagramPacket(new byte[] {'g', 'o'}, 2,
                    new InetSocketAddress("127.0.0.1", proxy.listener("udp").port())));
            try (java.net.Socket b = backend.accept()) {
                final byte[] chunk = message(burst, 0);
                final java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[65536], 65536);
                for (int i = 1; i <= bursts; i++) {
                    b.getOutputStream().write(chunk);
                    final long want = (long) i * burst;
                    Await.until(WAIT, "burst " + i + " at the UDP client (" + received.get() + " of " + want
                            + " bytes so far)", () -> {
                        try {
                            client.receive(p);
                            received.addAndGet(p.getLength());
                        } catch (final java.net.SocketTimeoutException e) {
                            // Polled again until the deadline.
                        } catch (final java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        return received.get() >= want;
                    });
                }
            }
            assertThat(received.get()).isEqualTo((long) bursts * burst);
        }
    }

    private static String readAtLeast(StreamPeer c, int n) throws Exception {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            final byte[] b = c.receive(WAIT);
            assertThat(b).as("the stream ended after %d bytes", got.size()).isNotNull();
            got.writeBytes(b);
        }
        return got.toString(US_ASCII);
    }
}
