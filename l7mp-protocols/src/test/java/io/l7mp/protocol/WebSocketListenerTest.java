package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebSocketListenerTest {
    static URI uri(L7mp proxy, String listener, String path) {
        return URI.create("ws://127.0.0.1:" + proxy.listener(listener).port() + path);
    }

    static L7mp echoProxy(WebSocketSpec spec) throws Exception {
        final L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("ws", l -> l.spec(spec).rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    @Test
    void messagesComeBackThroughEchoClusterWithTheirBoundaries() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendText("one");
            c.sendText("two");
            c.sendBinary(new byte[] {1, 2, 3});
            final byte[] big = new byte[200_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) i;
            }
            c.sendBinary(big);
            final WsTestClient.Message m1 = c.next();
            assertThat(m1.text()).isFalse();   // the proxy sends binary frames by default
            assertThat(m1.string()).isEqualTo("one");
            assertThat(c.next().string()).isEqualTo("two");
            assertThat(c.next().data()).containsExactly(1, 2, 3);
            assertThat(c.next().data()).isEqualTo(big);
            final SessionInfo s = proxy.sessions().get(0);
            assertThat(s.stats().ingressPackets()).isEqualTo(4);
        }
    }

    @Test
    void textFramesWhenTheSpecSaysSo() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0).withTextFrames(true));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendText("héllo");
            final WsTestClient.Message m = c.next();
            assertThat(m.text()).isTrue();
            assertThat(m.string()).isEqualTo("héllo");
        }
    }

    /**
     * On a text channel a message that is not UTF-8 goes out as a binary frame: as a text frame it broke RFC 6455 and
     * the client failed the connection (1007), losing the session.
     */
    @Test
    void aMessageThatIsNotUtf8GoesOutAsBinaryOnATextChannel() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0).withTextFrames(true));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendBinary(new byte[] {(byte) 0xff, (byte) 0xfe, 0});
            final WsTestClient.Message m = c.next();
            assertThat(m.text()).isFalse();
            assertThat(m.data()).containsExactly(0xff, 0xfe, 0);
            c.sendText("still text");
            final WsTestClient.Message after = c.next();
            assertThat(after.text()).isTrue();
            assertThat(after.string()).isEqualTo("still text");
        }
    }

    @Test
    void metadataCarriesTheUpgradeRequest() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/chat/room?id=7&x=y"),
                     Map.of("X-Test-Header", "abc"), null)) {
            c.sendText("hi");
            c.next();
            final SessionInfo s = proxy.sessions().get(0);
            final JsonNode md = s.metadata();
            assertThat(s.name()).startsWith("WS:127.0.0.1:").endsWith("-0");
            assertThat(md.at("/IP/src_addr").asText()).isEqualTo("127.0.0.1");
            assertThat(md.at("/TCP/dst_port").asInt()).isEqualTo(proxy.listener("ws").port());
            assertThat(md.at("/TCP/src_port").asInt()).isPositive();
            assertThat(md.at("/HTTP/version").asText()).isEqualTo("1.1");
            assertThat(md.at("/HTTP/method").asText()).isEqualTo("GET");
            assertThat(md.at("/HTTP/url/url").asText()).isEqualTo("/chat/room?id=7&x=y");
            assertThat(md.at("/HTTP/url/path").asText()).isEqualTo("/chat/room?id=7&x=y");
            assertThat(md.at("/HTTP/url/query").asText()).isEqualTo("id=7&x=y");
            assertThat(md.at("/HTTP/url/protocol").asText()).isEmpty();
            assertThat(md.at("/HTTP/headers/x-test-header").asText()).isEqualTo("abc");
            assertThat(md.at("/HTTP/headers/upgrade").asText()).isEqualToIgnoringCase("websocket");
            assertThat(md.at("/HTTP/headers/host").asText()).isEqualTo("127.0.0.1:" + proxy.listener("ws").port());
        }
    }

    @Test
    void rulesRouteOnThePath() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("void", c -> c.spec(ProtocolSpec.of("Discard")))
                .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.matchTest("/HTTP/url/path", "/echo").route(rt -> rt.destination("echo")))
                        .rule(r -> r.route(rt -> rt.destination("void"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/echo"))) {
                c.sendText("back");
                assertThat(c.next().string()).isEqualTo("back");
            }
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/other"))) {
                c.sendText("lost");
                assertThat(c.messages.poll(300, TimeUnit.MILLISECONDS)).isNull();
            }
        }
    }

    @Test
    void webSocketToUnixStreamAndBack(@TempDir Path dir) throws Exception {
        final Path sock = dir.resolve("echo.sock");
        try (UnixEchoServer echo = new UnixEchoServer(sock);
             L7mp proxy = L7mp.builder()
                     .cluster("unix", c -> c.spec(UnixSpec.cluster()).endpoint(sock.toString()))
                     .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("unix"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
                // One message at a time: the byte stream in between does not keep boundaries.
                for (final String m : new String[] {"to unix", "and back"}) {
                    c.sendText(m);
                    final StringBuilder got = new StringBuilder();
                    while (got.length() < m.length()) {
                        got.append(c.next().string());
                    }
                    assertThat(got.toString()).isEqualTo(m);
                }
            }
        }
    }

    @Test
    void pingIsAnsweredWithPong() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.ws().sendPing(ByteBuffer.wrap("are you there".getBytes(UTF_8))).get(5, SECONDS);
            final ByteBuffer pong = c.pongs.poll(5, SECONDS);
            assertThat(pong).isNotNull();
            assertThat(UTF_8.decode(pong).toString()).isEqualTo("are you there");
            assertThat(c.messages).isEmpty();   // control frames are not session data
        }
    }

    @Test
    void clientCloseEndsTheSession() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendText("x");
            c.next();
            assertThat(proxy.sessions()).hasSize(1);
            c.ws().sendClose(1000, "done").get(5, SECONDS);
            assertThat(c.closeCode()).isEqualTo(1000);   // the proxy answers the close frame
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void sessionEndedByTheProxySendsACloseFrame() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendText("x");
            c.next();
            proxy.deleteSession(proxy.sessions().get(0).name()).get(5, SECONDS);
            assertThat(c.closeCode()).isEqualTo(1000);
        }
    }

    /**
     * RFC 6455 7.4.1: a server going down closes with 1001 ("going away"). The proxy stopping, and its listener deleted
     * with its sessions, close with 1001; a session that ends because its upstream finished keeps 1000.
     */
    @Test
    void aProxyOrListenerGoingAwayClosesWith1001() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendText("x");
            c.next();
            proxy.deleteListener("ws", true).get(5, SECONDS);
            assertThat(c.closeCode()).isEqualTo(1001);
        }
        final L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
        try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
            c.sendText("x");
            c.next();
            proxy.close();
            assertThat(c.closeCode()).isEqualTo(1001);
        } finally {
            proxy.close();
        }
        try (java.net.ServerSocket backend = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             L7mp tcp = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            tcp.start().get(5, SECONDS);
            try (WsTestClient c = WsTestClient.connect(uri(tcp, "ws", "/"))) {
                c.sendText("x");
                try (java.net.Socket s = backend.accept()) {
                    s.setSoTimeout(5_000);
                    assertThat(s.getInputStream().read()).isEqualTo('x');
                }
                assertThat(c.closeCode()).isEqualTo(1000);
            }
        }
    }

    @Test
    void sessionEndedByAnErrorClosesWith1011() throws Exception {
        final int closedPort;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        // A connected UDP socket to a closed port fails on the ICMP error that answers the first datagram.
        try (L7mp proxy = L7mp.builder()
                .cluster("gone", c -> c.spec(UdpSpec.port(closedPort)).endpoint("127.0.0.1"))
                .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("gone"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
                c.sendText("into the void");
                assertThat(c.closeCode()).isEqualTo(1011);
                // The reason is the operating system's, without the syscall of ours that saw it.
                assertThat(c.closeReason).containsIgnoringCase("refused").doesNotContain("failed with error");
            }
        }
    }

    @Test
    void onlyTheConfiguredPathIsAccepted() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0).withPath("/ws"))) {
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/ws?token=1"))) {
                c.sendText("in");
                assertThat(c.next().string()).isEqualTo("in");
            }
            assertThatThrownBy(() -> WsTestClient.connect(uri(proxy, "ws", "/elsewhere")))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                            .isEqualTo(404));
        }
    }

    @Test
    void unroutableSessionIsRefusedWithTheHttpStatus() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("down", c -> c.spec(TcpSpec.port(1)).endpoint("127.0.0.1"))
                .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("down"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            assertThatThrownBy(() -> WsTestClient.connect(uri(proxy, "ws", "/")))
                    .hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                            .isEqualTo(502));
            // The answer may reach the client before the failed session is removed: wait for it, bounded.
            Await.until(Duration.ofSeconds(5), "the failed session to go", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void anUpgradeWithoutAKeyIsRefusedWith400AndTheListenerServesOn() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0))) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("ws").port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(UTF_8));
                final String answer = new String(s.getInputStream().readAllBytes(), UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 400 Bad Request").contains("missing Sec-WebSocket-Key");
            }
            Await.until(Duration.ofSeconds(5), "the refused session to go", () -> proxy.sessions().isEmpty());
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
                c.sendText("still here");
                assertThat(c.next().string()).isEqualTo("still here");
            }
        }
    }

    @Test
    void aTextMessageThatIsNotUtf8ClosesWith1007() throws Exception {
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
                java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("ws").port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(UTF_8));
            final java.io.InputStream in = s.getInputStream();
            final StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                final int c = in.read();
                assertThat(c).as("the handshake answer so far: " + head).isNotNegative();
                head.append((char) c);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            // A masked text frame (mask 0) carrying 0xff 0xfe, which no UTF-8 text contains.
            s.getOutputStream().write(new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, (byte) 0xff, (byte) 0xfe});
            final byte[] frame = in.readNBytes(4);
            assertThat(frame[0] & 0x0f).as("a close frame").isEqualTo(8);
            assertThat(((frame[2] & 0xff) << 8) | (frame[3] & 0xff)).as("its code").isEqualTo(1007);
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * A frame that breaks RFC 6455 is answered with one close frame carrying the protocol's code, and nothing after
     * it (5.5.1): the decoder's own close frame used to be followed by the session's 1000 or 1011.
     */
    @Test
    void aProtocolViolationIsAnsweredWithExactlyOneCloseFrameWithItsCode() throws Exception {
        final Map<String, byte[]> frames = new java.util.LinkedHashMap<>();
        frames.put("unmasked", new byte[] {(byte) 0x82, 1, 'x'});
        frames.put("reserved opcode", new byte[] {(byte) 0x83, (byte) 0x81, 0, 0, 0, 0, 'x'});
        frames.put("continuation first", new byte[] {(byte) 0x80, (byte) 0x81, 0, 0, 0, 0, 'x'});
        frames.put("text not UTF-8", new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, (byte) 0xff, (byte) 0xfe});
        frames.put("close reason not UTF-8", new byte[] {(byte) 0x88, (byte) 0x84, 0, 0, 0, 0, 0x03, (byte) 0xe8,
            (byte) 0xff, (byte) 0xfe});
        final Map<String, Integer> expected = new java.util.HashMap<>(Map.of("unmasked", 1002, "reserved opcode", 1002,
                "continuation first", 1002, "text not UTF-8", 1007, "close reason not UTF-8", 1007));
        // Close codes RFC 6455 7.4 does not allow on the wire: the connection fails with 1002 (Autobahn 7.9.x), the
        // code is not echoed. 5000 and up were echoed.
        for (final int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 32768, 65535}) {
            frames.put("close code " + code, new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, (byte) (code >> 8),
                (byte) code});
            expected.put("close code " + code, 1002);
        }
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0))) {
            for (final Map.Entry<String, byte[]> f : frames.entrySet()) {
                try (java.net.Socket s = rawUpgrade(proxy.listener("ws").port())) {
                    s.getOutputStream().write(f.getValue());
                    assertThat(closeCodesUntilEof(s.getInputStream())).as(f.getKey())
                            .containsExactly(expected.get(f.getKey()));
                }
                Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    /**
     * An upgrade without Sec-WebSocket-Version is refused with 426 and the version spoken (RFC 6455 4.2.1, 4.4): it
     * was taken for a Hixie-75/76 draft handshake and accepted (101), the unmasked pre-RFC 6455 protocol.
     */
    @Test
    void aDraftHandshakeWithoutAVersionIsRefused() throws Exception {
        final String hixie76 = "GET / HTTP/1.1\r\nHost: x\r\nOrigin: http://x\r\nUpgrade: WebSocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
                + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n^n:ds[4U";
        final String hixie75 = "GET / HTTP/1.1\r\nHost: x\r\nOrigin: http://x\r\nUpgrade: WebSocket\r\n"
                + "Connection: Upgrade\r\n\r\n";
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0))) {
            for (final String request : java.util.List.of(hixie76, hixie75)) {
                final String answer = sendThenRead(proxy.listener("ws").port(), request, new byte[0]);
                assertThat(answer).startsWith("HTTP/1.1 426 Upgrade Required")
                        .containsIgnoringCase("sec-websocket-version: 13").contains("\"status\":426");
            }
            Await.until(Duration.ofSeconds(5), "no session left", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * An upgrade request that breaks RFC 6455 4.2.1 is refused with 400 and l7mp's error body, before any session
     * starts: a Sec-WebSocket-Key that is not a base64-encoded 16-byte value (or not one), HTTP/1.0, no Host (RFC
     * 9112 3.2 too). Each was answered 101 (no key and no "upgrade" in Connection: 400 from the handshaker, after
     * routing).
     */
    @Test
    void aHandshakeThatBreaksRfc6455IsRefusedWith400() throws Exception {
        final String upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
        final String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        final Map<String, String> refused = new java.util.LinkedHashMap<>();
        for (final String bad : java.util.List.of("abc", "dGhlIHNhbXBsZSBub25j", "dGhlIHNhbXBsZSBub25jZQ",
                "dGhlIHNhbXBsZSBub25jZTE=", "dGhlIHNhbXBsZSBub25jZQ!!", "!!!!!!!!!!!!!!!!!!!!!!==",
                "dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ==")) {
            refused.put("GET / HTTP/1.1\r\nHost: x\r\n" + upgrade + "Sec-WebSocket-Key: " + bad + "\r\n\r\n",
                    "Sec-WebSocket-Key");
        }
        refused.put("GET / HTTP/1.1\r\nHost: x\r\n" + upgrade + key + key + "\r\n", "Sec-WebSocket-Key");
        refused.put("GET / HTTP/1.1\r\nHost: x\r\n" + upgrade + "\r\n", "Sec-WebSocket-Key");
        refused.put("GET / HTTP/1.0\r\nHost: x\r\n" + upgrade + key + "\r\n", "HTTP/1.1");
        refused.put("GET / HTTP/1.1\r\n" + upgrade + key + "\r\n", "Host");
        refused.put("GET / HTTP/1.1\r\nHost: \r\n" + upgrade + key + "\r\n", "Host");
        refused.put("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n" + upgrade + key + "\r\n", "Host");
        refused.put("GET / HTTP/1.1\r\nHost: x\r\n" + upgrade.replace("Connection: Upgrade", "Connection: close") + key
                + "\r\n", "Connection");
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0))) {
            for (final Map.Entry<String, String> r : refused.entrySet()) {
                final String answer = sendThenRead(proxy.listener("ws").port(), r.getKey(), new byte[1 << 20]);
                assertThat(answer).as(r.getKey()).startsWith("HTTP/1.1 400 Bad Request")
                        .contains("\"status\":400").contains(r.getValue()).endsWith("}");
            }
            Await.until(Duration.ofSeconds(5), "no session left", () -> proxy.sessions().isEmpty());
            // A well-formed upgrade, spelled otherwise (a key that is any 16 bytes, HTTP/1.1 and up), still goes.
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("ws").port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x:1\r\n"
                        + upgrade.replace("Connection: Upgrade", "Connection: keep-alive, Upgrade")
                        + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n").getBytes(UTF_8));
                assertThat(new String(s.getInputStream().readNBytes(12), UTF_8)).isEqualTo("HTTP/1.1 101");
            }
        }
    }

    /**
     * An upgrade request that expects 100-continue for a body over the limit gets l7mp's 413, then the end of the
     * connection at once: it was Netty's bare 413, and the connection stayed open until the upgrade timeout (10 s).
     * An expectation other than 100-continue gets 417 the same way (RFC 9110 10.1.1), not Netty's bare one.
     */
    @Test
    void anExpectationThatCannotBeMetIsRefusedAndTheConnectionEnds() throws Exception {
        final String upgrade = "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        final Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("GET / HTTP/1.1\r\n" + upgrade + "Expect: 100-continue\r\nContent-Length: 8388608\r\n\r\n",
                "HTTP/1.1 413 Request Entity Too Large");
        refused.put("GET / HTTP/1.1\r\n" + upgrade + "Expect: a-miracle\r\n\r\n", "HTTP/1.1 417 Expectation Failed");
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0))) {
            for (final Map.Entry<String, String> r : refused.entrySet()) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.listener("ws").port())) {
                    // Well under the upgrade timeout: the connection ends after the answer, not at that timeout.
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write(r.getKey().getBytes(UTF_8));
                    final String answer = new String(s.getInputStream().readAllBytes(), UTF_8);
                    assertThat(answer).as(r.getKey().substring(0, 40)).startsWith(r.getValue())
                            .containsIgnoringCase("connection: close").contains("\"content\":").endsWith("}");
                }
            }
            Await.until(Duration.ofSeconds(5), "no session left", () -> proxy.sessions().isEmpty());
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
                c.sendText("still here");
                assertThat(c.next().string()).isEqualTo("still here");
            }
        }
    }

    /**
     * A client still sending when its upgrade is refused (a body, pipelined bytes, frames sent before the answer)
     * reads the whole refusal and then the end of the connection: closing with its bytes unread reset the connection,
     * and the client's side threw the answer away with it. Each of the listener's refusals (one over the size limit
     * was Netty's bare 413, then a wait for the upgrade timeout), the handshaker's and a session's that cannot be
     * routed.
     */
    @Test
    void aClientStillSendingReadsTheRefusalInsteadOfAReset() throws Exception {
        final String upgrade = "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        final Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("GET /elsewhere HTTP/1.1\r\n" + upgrade + "\r\n", "HTTP/1.1 404 Not Found");
        refused.put("POST /ws HTTP/1.1\r\n" + upgrade + "\r\n", "HTTP/1.1 405 Method Not Allowed");
        refused.put("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 426 Upgrade Required");
        refused.put("GET /ws HTTP/1.1\r\n" + upgrade.replace("Version: 13", "Version: 99") + "\r\n",
                "HTTP/1.1 426 Upgrade Required");
        refused.put("GET /ws HTTP/1.1\r\n" + upgrade + "X-Big: " + "a".repeat(20_000) + "\r\n\r\n",
                "HTTP/1.1 400 Bad Request");
        refused.put("GET /ws HTTP/1.1\r\n" + upgrade.replace("Sec-WebSocket-Key", "X-No-Key") + "\r\n",
                "HTTP/1.1 400 Bad Request");
        final byte[] rest = new byte[8 << 20];
        refused.put("GET /ws HTTP/1.1\r\n" + upgrade + "Content-Length: " + rest.length + "\r\n\r\n",
                "HTTP/1.1 413 Request Entity Too Large");
        refused.put("GET /ws HTTP/1.1\r\n" + upgrade + "Expect: 100-continue\r\nContent-Length: " + rest.length
                + "\r\n\r\n", "HTTP/1.1 413 Request Entity Too Large");
        refused.put("GET /ws HTTP/1.1\r\n" + upgrade.replace("dGhlIHNhbXBsZSBub25jZQ==", "x") + "\r\n",
                "HTTP/1.1 400 Bad Request");
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("down", c -> c.spec(TcpSpec.port(1)).endpoint("127.0.0.1"))
                .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0).withPath("/ws"))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .listener("down", l -> l.spec(WebSocketSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("down"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            for (final Map.Entry<String, String> r : refused.entrySet()) {
                final String what = r.getKey().substring(0, Math.min(80, r.getKey().length()));
                final String answer = sendThenRead(proxy.listener("ws").port(), r.getKey(), rest);
                assertThat(answer).as(what).startsWith(r.getValue()).contains("\"content\":").endsWith("}");
                // One answer: a 100-continue over the limit got Netty's bare 413 first, then l7mp's.
                assertThat(answer.indexOf("HTTP/1.1 ", 1)).as(what + ": a second answer in " + answer).isNegative();
            }
            assertThat(sendThenRead(proxy.listener("down").port(), "GET / HTTP/1.1\r\n" + upgrade + "\r\n", rest))
                    .startsWith("HTTP/1.1 502 Bad Gateway").contains("\"status\":502").endsWith("}");
            Await.until(Duration.ofSeconds(5), "the refused sessions to go", () -> proxy.sessions().isEmpty());
            try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/ws"))) {
                c.sendText("still here");
                assertThat(c.next().string()).isEqualTo("still here");
            }
        }
    }

    /** Writes {@code head} and {@code rest} whole, then reads until the server closes; fails on a reset. */
    private static String sendThenRead(int port, String head, byte[] rest) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head.getBytes(UTF_8));
            s.getOutputStream().write(rest);
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), UTF_8);
        }
    }

    /**
     * A client that pings without reading is answered for its latest ping, not once per ping: the pongs it did not
     * read were queued in the proxy without bound (260 MB held for 2 M pings of a client that never read).
     */
    @Test
    void pingsOfAClientThatDoesNotReadAreNotQueuedWithoutBound() throws Exception {
        final int pings = 200_000;
        final int batch = 1000;
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             java.net.Socket s = new java.net.Socket()) {
            // A small window, so that the pongs back up in the proxy rather than in this socket's buffer.
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.listener("ws").port()), 5_000);
            upgrade(s);
            final java.io.OutputStream out = s.getOutputStream();
            final byte[] frames = new byte[batch * 131];
            for (int i = 0; i < pings; i += batch) {
                for (int j = 0; j < batch; j++) {
                    // A masked ping (mask 0) of 125 bytes: its number, then padding.
                    final byte[] payload = String.format("%-125d", i + j).getBytes(UTF_8);
                    frames[j * 131] = (byte) 0x89;
                    frames[j * 131 + 1] = (byte) (0x80 | 125);
                    System.arraycopy(payload, 0, frames, j * 131 + 6, 125);
                }
                out.write(frames);
            }
            out.write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xe8});
            out.flush();
            final java.io.DataInputStream in = new java.io.DataInputStream(
                    new java.io.BufferedInputStream(s.getInputStream()));
            int pongs = 0;
            String last = null;
            // Bounded at half the pings: reading every pong of a proxy that queued them all takes minutes.
            for (int i = 0; i <= pings / 2; i++) {
                final int b0 = in.readUnsignedByte();
                final int len = in.readUnsignedByte() & 0x7f;
                final byte[] payload = new byte[len];
                in.readFully(payload);
                if ((b0 & 0x0f) == 8) {
                    break;
                }
                assertThat(b0 & 0x0f).as("a pong").isEqualTo(10);
                pongs++;
                last = new String(payload, UTF_8).trim();
                assertThat(pongs).as("pongs for %d pings", pings).isLessThan(pings / 2);
            }
            assertThat(last).as("the last pong answers the last ping").isEqualTo(String.valueOf(pings - 1));
        }
    }

    /** Makes a WebSocket upgrade by hand on {@code s}, leaving it ready for raw frames. */
    private static void upgrade(java.net.Socket s) throws Exception {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(UTF_8));
        final java.io.InputStream in = s.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            final int c = in.read();
            assertThat(c).as("the handshake answer so far: " + head).isNotNegative();
            head.append((char) c);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
    }

    /**
     * A client sending a message over the limit reads the 1009 close frame, then the end of the connection: the
     * proxy closed while the rest of the message was still coming, which reset the connection, and the client's side
     * threw the close frame away with it.
     */
    @Test
    void aClientStillSendingAMessageOverTheLimitReadsTheCloseFrameInsteadOfAReset() throws Exception {
        final long length = (16L << 20) + 1;
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0));
             java.net.Socket s = rawUpgrade(proxy.listener("ws").port())) {
            s.setSoTimeout(10_000);
            final java.io.OutputStream out = s.getOutputStream();
            // A masked binary frame (mask 0) with a 64-bit length, then its payload.
            final java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(14).put((byte) 0x82).put((byte) 0xff)
                    .putLong(length).putInt(0);
            out.write(head.array());
            final byte[] chunk = new byte[1 << 20];
            for (long sent = 0; sent < length; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, length - sent));
            }
            out.flush();
            assertThat(closeCodesUntilEof(s.getInputStream())).containsExactly(1009);
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /** Connects, makes a WebSocket upgrade by hand and returns the socket, ready for raw frames. */
    static java.net.Socket rawUpgrade(int port) throws Exception {
        final java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        upgrade(s);
        s.setSoTimeout(5_000);
        return s;
    }

    /** Reads the server's (unmasked, short) frames up to the end of the stream; returns the close frames' codes. */
    static java.util.List<Integer> closeCodesUntilEof(java.io.InputStream in) throws java.io.IOException {
        final java.util.List<Integer> codes = new java.util.ArrayList<>();
        for (int b0 = in.read(); b0 >= 0; b0 = in.read()) {
            final byte[] payload = in.readNBytes(in.read() & 0x7f);
            if ((b0 & 0x0f) == 8) {
                codes.add(payload.length < 2 ? -1 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff));
            }
        }
        return codes;
    }

    /**
     * A connection that made its upgrade is not held for the upgrade-request timeout: its timer, which kept each
     * channel reachable for 10 s after its session ended, is cancelled by the upgrade.
     */
    @Test
    void connectionsThatEndedAreNotHeldByTheUpgradeTimer() throws Exception {
        final int connections = 100;
        try (L7mp proxy = echoProxy(WebSocketSpec.bind("127.0.0.1", 0))) {
            for (int i = 0; i < connections; i++) {
                try (WsTestClient c = WsTestClient.connect(uri(proxy, "ws", "/"))) {
                    c.sendText("ping");
                    assertThat(c.next().string()).isEqualTo("ping");
                }
            }
            Await.until(Duration.ofSeconds(5), "the sessions to end", () -> proxy.sessions().isEmpty());
            assertThat(TcpProxyTest.liveInstances("io.l7mp.internal.protocol.ws.WsListener$Upgrade"))
                    .as("upgrade handlers still reachable after %d ended sessions", connections)
                    .isLessThan(connections / 4);
        }
    }
}
