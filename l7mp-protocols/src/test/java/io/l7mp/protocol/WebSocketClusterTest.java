package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.L7mp;
import io.l7mp.testing.Await;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebSocketClusterTest {
    static L7mp proxy(WebSocketSpec listener, int upstreamPort) throws Exception {
        final L7mp proxy = L7mp.builder()
                .cluster("ws-up", c -> c.spec(WebSocketSpec.port(upstreamPort)).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(listener).rule(r -> r.route(rt -> rt.destination("ws-up")
                        .timeout(Duration.ofMillis(500)))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    static URI uri(L7mp proxy, String path) {
        return URI.create("ws://127.0.0.1:" + proxy.listener("in").port() + path);
    }

    @Test
    void udpDatagramsTravelAsWebSocketMessagesWithTheirBoundaries() throws Exception {
        try (NettyWsServer server = new NettyWsServer(null, null, "ws:");
             L7mp proxy = L7mp.builder()
                     .cluster("ws-up", c -> c.spec(WebSocketSpec.port(server.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("ws-up"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            client.setSoTimeout(5000);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            for (final String m : new String[] {"a", "bb", "ccc", "x".repeat(40_000)}) {
                final byte[] b = m.getBytes(US_ASCII);
                client.send(new DatagramPacket(b, b.length, to));
            }
            for (final String m : new String[] {"a", "bb", "ccc", "x".repeat(40_000)}) {
                final DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
                client.receive(p);
                assertThat(new String(p.getData(), 0, p.getLength(), US_ASCII)).isEqualTo("ws:" + m);
            }
            assertThat(server.request().uri()).isEqualTo("/");   // a UDP source has no HTTP path
        }
    }

    @Test
    void webSocketSourceForwardsItsPathAndHeaders() throws Exception {
        try (NettyWsServer server = new NettyWsServer();
             L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), server.port());
             WsTestClient c = WsTestClient.connect(uri(proxy, "/chat/room?id=7"), Map.of("X-Trace", "t-1"), null)) {
            c.sendText("hello");
            assertThat(c.next().string()).isEqualTo("hello");
            final NettyWsServer.Request req = server.request();
            assertThat(req.uri()).isEqualTo("/chat/room?id=7");
            assertThat(req.headers()).containsEntry("x-trace", "t-1")
                    .containsEntry("host", "127.0.0.1:" + server.port())
                    .containsEntry("upgrade", "websocket")
                    .containsKey("user-agent");
            assertThat(req.headers().get("user-agent")).startsWith("Java-http-client");
        }
    }

    @Test
    void closeCodesPropagateBothWays() throws Exception {
        try (NettyWsServer server = new NettyWsServer();
             L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), server.port())) {
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "/"))) {
                c.sendText("x");
                c.next();
                server.closeAll(4001);
                assertThat(c.closeCode()).isEqualTo(4001);
            }
            Await.until(Duration.ofSeconds(5), "the first session to end", () -> proxy.sessions().isEmpty());
            server.closeCodes.clear();
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "/"))) {
                c.sendText("y");
                c.next();
                c.ws().sendClose(1000, "bye").get(5, SECONDS);
                assertThat(server.closeCodes.poll(5, SECONDS)).isEqualTo(1000);
            }
            Await.until(Duration.ofSeconds(5), "the second session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /** The proxy stopping closes both WebSockets of a session with 1001 ("going away"), upstream as downstream. */
    @Test
    void theProxyGoingAwayClosesItsUpstreamWebSocketWith1001() throws Exception {
        try (NettyWsServer server = new NettyWsServer()) {
            final L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), server.port());
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "/"))) {
                c.sendText("x");
                c.next();
                proxy.close();
                assertThat(server.closeCodes.poll(5, SECONDS)).isEqualTo(1001);
                assertThat(c.closeCode()).isEqualTo(1001);
            } finally {
                proxy.close();
            }
        }
    }

    @Test
    void refusedUpgradeFailsTheSessionWith502() throws Exception {
        try (NettyWsServer server = new NettyWsServer(null, HttpResponseStatus.FORBIDDEN, "");
             L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), server.port())) {
            final java.util.List<io.l7mp.SessionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (AutoCloseable sub = proxy.subscribe(events::add)) {
                assertThatThrownBy(() -> WsTestClient.connect(uri(proxy, "/")))
                        .hasCauseInstanceOf(WebSocketHandshakeException.class)
                        .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                                .statusCode()).isEqualTo(502));
            }
            assertThat(events).anySatisfy(e -> assertThat(e.content()).contains("403"));
        }
    }

    /**
     * A server that answers 101 with a Sec-WebSocket-Accept that does not match the key is refused (RFC 6455 4.1), and
     * the session's error says why: it said "refused: 101 Switching Protocols", as if the 101 were the fault.
     */
    @Test
    void aWrongAcceptKeyFailsTheSessionWith502NamingIt() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), server.getLocalPort())) {
            final Thread acceptor = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5000);
                    final java.io.InputStream in = s.getInputStream();
                    final StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        final int c = in.read();
                        if (c < 0) {
                            return;
                        }
                        head.append((char) c);
                    }
                    s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
                            .getBytes(US_ASCII));
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (final java.io.IOException e) {
                    // closed by the proxy or at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            final java.util.List<io.l7mp.SessionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (AutoCloseable sub = proxy.subscribe(events::add)) {
                assertThatThrownBy(() -> WsTestClient.connect(uri(proxy, "/")))
                        .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                                .statusCode()).isEqualTo(502));
            }
            // Netty's words for the mismatch name the value received.
            assertThat(events).anySatisfy(e -> assertThat(e.content()).contains("refused: 101")
                    .contains("AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        }
    }

    @Test
    void unreachableServerFailsWith502AndSilentOneWith504() throws Exception {
        final int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), closedPort)) {
            assertThatThrownBy(() -> WsTestClient.connect(uri(proxy, "/")))
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                            .statusCode()).isEqualTo(502));
        }
        // Accepts TCP connections but never answers the upgrade.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(WebSocketSpec.bind("127.0.0.1", 0), silent.getLocalPort())) {
            final Thread acceptor = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (final java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            assertThatThrownBy(() -> WsTestClient.connect(uri(proxy, "/")))
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                            .statusCode()).isEqualTo(504));
        }
    }

    /** Accepts one WebSocket upgrade by hand, so that a test can send and read raw frames. */
    private static Socket acceptUpgrade(ServerSocket server) throws Exception {
        final Socket s = server.accept();
        s.setSoTimeout(5000);
        final java.io.InputStream in = s.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            final int c = in.read();
            assertThat(c).as("the upgrade request so far: " + head).isNotNegative();
            head.append((char) c);
        }
        final java.util.regex.Matcher key = java.util.regex.Pattern
                .compile("(?i)sec-websocket-key: *(\\S+)").matcher(head);
        assertThat(key.find()).isTrue();
        final String accept = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest
                .getInstance("SHA-1").digest((key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                        .getBytes(US_ASCII)));
        s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(US_ASCII));
        return s;
    }

    /** Reads the client's frames (masked, short) up to its close frame and returns the close code, -1 if none. */
    private static int closeCode(Socket s) throws java.io.IOException {
        final java.io.InputStream in = s.getInputStream();
        for (int f = 0; f < 8; f++) {
            final int b0 = in.read();
            if (b0 < 0) {
                return -1;   // a FIN without a close frame
            }
            final int len = in.read() & 0x7f;
            final byte[] mask = in.readNBytes(4);
            final byte[] payload = in.readNBytes(len);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
            if ((b0 & 0x0f) == 8) {
                return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            }
        }
        return -1;
    }

    @Test
    void aServersTextMessageThatIsNotUtf8ClosesWith1007() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("ws-up", c -> c.spec(WebSocketSpec.port(server.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("ws-up"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            client.send(new DatagramPacket(new byte[] {'x'}, 1,
                    new InetSocketAddress("127.0.0.1", proxy.listener("in").port())));
            try (Socket s = acceptUpgrade(server)) {
                // An unmasked text frame carrying 0xff 0xfe, which no UTF-8 text contains.
                s.getOutputStream().write(new byte[] {(byte) 0x81, 2, (byte) 0xff, (byte) 0xfe});
                assertThat(closeCode(s)).as("the close code").isEqualTo(1007);
            }
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /** A server's frame that breaks RFC 6455 gets one close frame with the protocol's code, and nothing after it. */
    @Test
    void aServersProtocolViolationIsAnsweredWithExactlyOneCloseFrame() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("ws-up", c -> c.spec(WebSocketSpec.port(server.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("ws-up"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final java.util.Map<String, byte[]> frames = new java.util.LinkedHashMap<>();
            frames.put("reserved opcode", new byte[] {(byte) 0x83, 1, 'x'});
            // Close codes RFC 6455 7.4 does not allow on the wire; 5000 and up were echoed.
            frames.put("close code 1005", new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xed});
            frames.put("close code 5000", new byte[] {(byte) 0x88, 2, 0x13, (byte) 0x88});
            frames.put("close code 65535", new byte[] {(byte) 0x88, 2, (byte) 0xff, (byte) 0xff});
            for (final java.util.Map.Entry<String, byte[]> f : frames.entrySet()) {
                client.send(new DatagramPacket(new byte[] {'x'}, 1,
                        new InetSocketAddress("127.0.0.1", proxy.listener("in").port())));
                try (Socket s = acceptUpgrade(server)) {
                    s.getOutputStream().write(f.getValue());
                    final java.util.List<Integer> codes = new java.util.ArrayList<>();
                    for (int code = closeCode(s); code >= 0; code = closeCode(s)) {
                        codes.add(code);
                    }
                    assertThat(codes).as(f.getKey() + ": the close frames up to the end of the stream")
                            .containsExactly(1002);
                }
                Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    @Test
    void aTcpClientsFinClosesTheWebSocketWithACloseFrameNotABareFin() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("ws-up", c -> c.spec(WebSocketSpec.port(server.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("ws-up"))))
                     .build();
             Socket client = new Socket("127.0.0.1", startAndPort(proxy))) {
            client.getOutputStream().write("abc".getBytes(US_ASCII));
            client.shutdownOutput();
            try (Socket s = acceptUpgrade(server)) {
                assertThat(closeCode(s)).as("the close code").isEqualTo(1000);
            }
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * The session ends when the server closes, while the TCP client is still sending. Closing the client's socket
     * with its unread input would reset the connection, and the kernel would drop the end of the server's message
     * that it had not sent yet: the client must get all of it, then an end of stream.
     */
    @Test
    void aServersLastMessageReachesATcpClientThatIsStillSending() throws Exception {
        final int size = 8 << 20;
        final byte[] message = new byte[size];
        new java.util.Random(7).nextBytes(message);
        try (ServerSocket server = smallWindowServer();
             L7mp proxy = L7mp.builder()
                     .cluster("ws-up", c -> c.spec(WebSocketSpec.port(server.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("ws-up"))))
                     .build();
             Socket client = new Socket()) {
            proxy.start().get(5, SECONDS);
            final java.util.List<io.l7mp.SessionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            final AutoCloseable sub = proxy.subscribe(events::add);
            client.setSendBufferSize(16384);
            client.setReceiveBufferSize(16384);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("in").port()), 5000);
            client.setSoTimeout(10_000);
            final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            final Thread writer = new Thread(() -> {
                final byte[] chunk = new byte[16384];
                try {
                    while (true) {
                        client.getOutputStream().write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (final java.io.IOException e) {
                    // the connection ended
                }
            });
            writer.setDaemon(true);
            writer.start();
            try (Socket s = acceptUpgrade(server)) {
                // Once the proxy holds more than the client's send buffer unread, it has stopped reading the client.
                Await.until(Duration.ofSeconds(10), "the proxy to stop reading the client", () -> {
                    final var sessions = proxy.sessions();
                    return !sessions.isEmpty()
                            && written.get() - sessions.get(0).stats().ingressBytes() > 64 * 1024;
                });
                final Thread sender = new Thread(() -> {
                    try {
                        final java.io.OutputStream out = s.getOutputStream();
                        out.write(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, (byte) (size >>> 24),
                                (byte) (size >>> 16), (byte) (size >>> 8), (byte) size});
                        out.write(message);
                        out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xe8});
                        out.flush();
                    } catch (final java.io.IOException e) {
                        // the test fails on what the client got
                    }
                });
                sender.setDaemon(true);
                sender.start();
                final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                final byte[] b = new byte[65536];
                String end = "end of stream";
                try {
                    int n;
                    while ((n = client.getInputStream().read(b)) >= 0) {
                        got.write(b, 0, n);
                    }
                } catch (final java.io.IOException e) {
                    end = e.toString();
                }
                assertThat(end).isEqualTo("end of stream");
                assertThat(got.size()).isEqualTo(size);
                assertThat(java.util.Arrays.equals(got.toByteArray(), message)).isTrue();
            }
            client.close();
            Await.until(Duration.ofSeconds(15), "the session to end", () -> proxy.sessions().isEmpty());
            sub.close();
            // The server's close frame is an orderly end, not an error (which would drop what the client had yet
            // to get).
            assertThat(events).extracting(io.l7mp.SessionEvent::event).contains("END").doesNotContain("ERROR");
        }
    }

    /** A server socket with a small receive buffer, so that a server that does not read pushes back soon. */
    private static ServerSocket smallWindowServer() throws java.io.IOException {
        final ServerSocket s = new ServerSocket();
        s.setReceiveBufferSize(16384);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        return s;
    }

    private static int startAndPort(L7mp proxy) throws Exception {
        proxy.start().get(5, SECONDS);
        return proxy.listener("in").port();
    }
}
