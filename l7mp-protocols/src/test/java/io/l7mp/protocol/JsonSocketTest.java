package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RetryOn;
import io.l7mp.testing.Await;
import io.netty.channel.epoll.Epoll;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSocketTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static void send(DatagramSocket s, InetSocketAddress to, String msg) throws Exception {
        final byte[] b = msg.getBytes(UTF_8);
        s.send(new DatagramPacket(b, b.length, to));
    }

    static String receive(DatagramSocket s) throws Exception {
        s.setSoTimeout(5000);
        final DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), UTF_8);
    }

    static JsonNode receiveJson(DatagramSocket s) throws Exception {
        return JSON.readTree(receive(s));
    }

    static InetSocketAddress local(L7mp proxy, String listener) {
        return new InetSocketAddress("127.0.0.1", proxy.listener(listener).port());
    }

    static L7mp routingProxy() throws Exception {
        final L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("void", c -> c.spec(ProtocolSpec.of("Discard")))
                .listener("in", l -> l.spec(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0)))
                        .rule(r -> r.matchTest("/JSONSocket/service", "echo").route(rt -> rt.destination("echo")))
                        .rule(r -> r.matchTest("/JSONSocket/service", "void").route(rt -> rt.destination("void"))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    @Test
    void goodHeaderIsAcceptedAndRoutedOnItsFields() throws Exception {
        try (L7mp proxy = routingProxy();
             DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final InetSocketAddress to = local(proxy, "in");
            send(a, to, "{\"JSONSocketVersion\": 1, \"service\": \"echo\", \"user\": {\"id\": 7}}");
            final JsonNode ok = receiveJson(a);
            assertThat(ok.get("JSONSocketVersion").asInt()).isEqualTo(1);
            assertThat(ok.get("JSONSocketStatus").asInt()).isEqualTo(200);
            assertThat(ok.get("JSONSocketMessage").asText()).isEqualTo("OK");
            send(a, to, "first");
            send(a, to, "second");
            assertThat(receive(a)).isEqualTo("first");
            assertThat(receive(a)).isEqualTo("second");

            final SessionInfo s = proxy.sessions().get(0);
            assertThat(s.name()).isEqualTo("JSONSocket:in-0");
            assertThat(s.metadata().at("/JSONSocket/service").asText()).isEqualTo("echo");
            assertThat(s.metadata().at("/JSONSocket/user/id").asInt()).isEqualTo(7);
            assertThat(s.metadata().at("/JSONSocket/JSONSocketVersion").asInt()).isEqualTo(1);
            assertThat(s.metadata().at("/UDP/src_port").asInt()).isEqualTo(a.getLocalPort());
            assertThat(s.metadata().at("/IP/src_addr").asText()).isEqualTo("127.0.0.1");

            // Another client asks for another service: its data goes elsewhere.
            send(b, to, "{\"JSONSocketVersion\": 0, \"service\": \"void\"}");
            assertThat(receiveJson(b).get("JSONSocketStatus").asInt()).isEqualTo(200);
            send(b, to, "dropped");
            b.setSoTimeout(300);
            assertThatThrownBy(() -> {
                final DatagramPacket p = new DatagramPacket(new byte[100], 100);
                b.receive(p);
            }).isInstanceOf(SocketTimeoutException.class);
            assertThat(proxy.sessions()).hasSize(2);
        }
    }

    @Test
    void badHeadersAreRefusedWith400And505() throws Exception {
        try (L7mp proxy = routingProxy();
             DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final InetSocketAddress to = local(proxy, "in");
            for (final String bad : List.of("not json", "[1, 2]", "{\"service\": \"echo\"}",
                    "{\"JSONSocketVersion\": \"1\"}", "{\"JSONSocketVersion\": 1.5}")) {
                send(c, to, bad);
                final JsonNode r = receiveJson(c);
                assertThat(r.get("JSONSocketStatus").asInt()).as(bad).isEqualTo(400);
                assertThat(r.get("JSONSocketVersion").asInt()).isEqualTo(1);
                assertThat(r.get("JSONSocketMessage").asText()).startsWith("Bad Request");
            }
            send(c, to, "{\"JSONSocketVersion\": 2}");
            final JsonNode r = receiveJson(c);
            assertThat(r.get("JSONSocketStatus").asInt()).isEqualTo(505);
            assertThat(r.get("JSONSocketMessage").asText()).isEqualTo("JSONSocket Version Not Supported");
            assertThat(proxy.sessions()).isEmpty();
            // The refusal closed the emulated per-client socket: the same peer can start over.
            send(c, to, "{\"JSONSocketVersion\": 1, \"service\": \"echo\"}");
            assertThat(receiveJson(c).get("JSONSocketStatus").asInt()).isEqualTo(200);
        }
    }

    @Test
    void unroutableHeaderIsAnsweredWithTheRoutingStatus() throws Exception {
        try (L7mp proxy = routingProxy();
             DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            send(c, local(proxy, "in"), "{\"JSONSocketVersion\": 1, \"service\": \"nowhere\"}");
            final JsonNode r = receiveJson(c);
            assertThat(r.get("JSONSocketStatus").asInt()).isEqualTo(404);
            assertThat(r.get("JSONSocketMessage").asText()).contains("No route");
        }
    }

    @Test
    void metadataCrossesFromOneProxyToAnotherInTheHeader() throws Exception {
        try (L7mp second = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("js-in", l -> l.spec(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0)))
                        .rule(r -> r.matchTest("/JSONSocket/labels/user", "alice")
                                .route(rt -> rt.destination("echo"))))
                .build()) {
            second.start().get(5, SECONDS);
            final JsonSocketSpec out = JsonSocketSpec.over(UdpSpec.port(second.listener("js-in").port()))
                    .withHeader(List.of(JsonSocketSpec.Header.copy("/labels", "/labels"),
                            JsonSocketSpec.Header.copy("IP/src_addr", "/client/ip"),
                            JsonSocketSpec.Header.set("origin", TextNode.valueOf("first"))));
            try (L7mp first = L7mp.builder()
                    .cluster("js-out", c -> c.spec(out).endpoint("127.0.0.1"))
                    .listener("udp-in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.rewrite("/labels/user", "alice").route(rt -> rt.destination("js-out"))))
                    .build();
                 DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                first.start().get(5, SECONDS);
                final InetSocketAddress to = local(first, "udp-in");
                send(c, to, "hello");
                assertThat(receive(c)).isEqualTo("hello");
                send(c, to, "again");
                assertThat(receive(c)).isEqualTo("again");

                final JsonNode md = second.sessions().get(0).metadata();
                assertThat(md.at("/JSONSocket/labels/user").asText()).isEqualTo("alice");
                assertThat(md.at("/JSONSocket/client/ip").asText()).isEqualTo("127.0.0.1");
                assertThat(md.at("/JSONSocket/origin").asText()).isEqualTo("first");
                assertThat(md.at("/JSONSocket/JSONSocketVersion").asInt()).isEqualTo(1);
                assertThat(first.sessions().get(0).metadata().at("/labels/user").asText()).isEqualTo("alice");
            }
        }
    }

    /** Without header rules the whole metadata travels; {@code header: []} sends only the version, as l7mp does. */
    @Test
    void withoutHeaderRulesTheWholeMetadataTravels() throws Exception {
        try (L7mp second = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("js-in", l -> l.spec(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0)))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            second.start().get(5, SECONDS);
            final int port = second.listener("js-in").port();
            try (L7mp first = L7mp.builder()
                    .cluster("all", c -> c.spec(JsonSocketSpec.over(UdpSpec.port(port))).endpoint("127.0.0.1"))
                    .cluster("none", c -> c.spec(JsonSocketSpec.over(UdpSpec.port(port)).withHeader(List.of()))
                            .endpoint("127.0.0.1"))
                    .listener("udp-all", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.rewrite("/labels/user", "alice").route(rt -> rt.destination("all"))))
                    .listener("udp-none", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.rewrite("/labels/user", "bob").route(rt -> rt.destination("none"))))
                    .build();
                 DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                first.start().get(5, SECONDS);
                send(c, local(first, "udp-all"), "hello");
                assertThat(receive(c)).isEqualTo("hello");
                final JsonNode md = second.sessions().get(0).metadata();
                assertThat(md.at("/JSONSocket/labels/user").asText()).isEqualTo("alice");
                assertThat(md.at("/JSONSocket/IP/src_addr").asText()).isEqualTo("127.0.0.1");
                assertThat(md.at("/JSONSocket/UDP/src_port").asInt()).isEqualTo(c.getLocalPort());
                send(c, local(first, "udp-none"), "again");
                assertThat(receive(c)).isEqualTo("again");
                final JsonNode bare = second.sessions().stream()
                        .filter(s -> s.metadata().at("/JSONSocket/labels").isMissingNode()).findFirst().orElseThrow()
                        .metadata().get("JSONSocket");
                assertThat(bare.size()).as("header fields of %s", bare).isEqualTo(1);
                assertThat(bare.get("JSONSocketVersion").asInt()).isEqualTo(1);
            }
        }
    }

    @Test
    void runsOverAUnixDatagramTransportFoundByName(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "Unix datagram sockets need epoll");
        final String sock = dir.resolve("js.sock").toString();
        final JsonSocketSpec out = new JsonSocketSpec("JSONSocket", new UnixDatagramSpec("UNIX/dgram", null, null,
                null), List.of(JsonSocketSpec.Header.copy("/labels", "/labels")));
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("js-out", c -> c.spec(out).endpoint(sock))
                .listener("js-in", l -> l.spec(JsonSocketSpec.over(UnixDatagramSpec.listen(sock)))
                        .rule(r -> r.matchTest("/JSONSocket/labels/via", "unix").route(rt -> rt.destination("echo"))))
                .listener("udp-in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.rewrite("/labels/via", "unix").route(rt -> rt.destination("js-out"))))
                .build();
             DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            send(c, local(proxy, "udp-in"), "over a unix socket");
            assertThat(receive(c)).isEqualTo("over a unix socket");
            final SessionInfo js = proxy.sessions().stream().filter(x -> x.name().startsWith("JSONSocket:js-in-"))
                    .findFirst().orElseThrow();
            assertThat(js.metadata().at("/JSONSocket/labels/via").asText()).isEqualTo("unix");
        }
    }

    @Test
    void clusterFailsWhenTheServerRefusesOrIsSilent() throws Exception {
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = L7mp.builder()
                     .cluster("js-out", c -> c.spec(JsonSocketSpec.over(UdpSpec.port(server.getLocalPort())))
                             .endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0)))
                             .rule(r -> r.route(rt -> rt.destination("js-out").timeout(Duration.ofMillis(500)))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = local(proxy, "in");
            // The upstream answers the request header with a refusal: the client hears 502.
            send(client, to, "{\"JSONSocketVersion\": 1}");
            server.setSoTimeout(5000);
            final DatagramPacket req = new DatagramPacket(new byte[65536], 65536);
            server.receive(req);
            assertThat(JSON.readTree(new String(req.getData(), 0, req.getLength(), UTF_8))
                    .get("JSONSocketVersion").asInt()).isEqualTo(1);
            final byte[] no = "{\"JSONSocketVersion\":1,\"JSONSocketStatus\":403,\"JSONSocketMessage\":\"no\"}"
                    .getBytes(UTF_8);
            server.send(new DatagramPacket(no, no.length, req.getSocketAddress()));
            final JsonNode r1 = receiveJson(client);
            assertThat(r1.get("JSONSocketStatus").asInt()).isEqualTo(502);
            assertThat(r1.get("JSONSocketMessage").asText()).contains("403");
            // The upstream stays silent: 504 once the route's timeout has passed.
            send(client, to, "{\"JSONSocketVersion\": 1}");
            server.receive(req);
            final JsonNode r2 = receiveJson(client);
            assertThat(r2.get("JSONSocketStatus").asInt()).isEqualTo(504);
            Await.until(Duration.ofSeconds(5), "no session left", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * Datagrams a client sends right behind its header, before the session is connected and answered, are kept and
     * forwarded once it is: over UDP only the first one was, since holding the transport back for the wait made the
     * UDP listener drop that client's datagrams meanwhile.
     */
    @Test
    void datagramsSentBeforeTheAnswerAreForwardedOnceConnected() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(JsonSocketSpec.over(UdpSpec.port(upstream.getLocalPort()))
                             .withHeader(List.of())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0)))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = local(proxy, "in");
            send(client, to, "{\"JSONSocketVersion\": 1}");
            for (int i = 0; i < 5; i++) {
                send(client, to, "early-" + i);
            }
            // The proxy's header reaches the upstream, which answers only now: the session waited with the client's
            // datagrams already sent.
            upstream.setSoTimeout(5000);
            final DatagramPacket header = new DatagramPacket(new byte[65536], 65536);
            upstream.receive(header);
            assertThat(JSON.readTree(new String(header.getData(), 0, header.getLength(), UTF_8))
                    .get("JSONSocketVersion").asInt()).isEqualTo(1);
            final byte[] ok = "{\"JSONSocketVersion\": 1, \"JSONSocketStatus\": 200}".getBytes(UTF_8);
            upstream.send(new DatagramPacket(ok, ok.length, header.getSocketAddress()));
            assertThat(receiveJson(client).get("JSONSocketStatus").asInt()).isEqualTo(200);
            for (int i = 0; i < 5; i++) {
                assertThat(receive(upstream)).isEqualTo("early-" + i);
            }
        }
    }

    /**
     * A JSONSocket client over WebSocket that goes away while its session waits to retry the upstream connect ends
     * that session at once; one that stays keeps it.
     */
    @Test
    void aClientThatLeavesBeforeTheConnectEndsItsSession() throws Exception {
        final int refusing;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            refusing = probe.getLocalPort();
        }
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(refusing)).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(JsonSocketSpec.over(WebSocketSpec.bind("127.0.0.1", 0)))
                        .rule(r -> r.route(rt -> rt.destination("up").retryOn(RetryOn.ALWAYS).numRetries(5)
                                .timeout(Duration.ofSeconds(30)))))
                .build()) {
            proxy.start().get(5, SECONDS);
            final java.net.URI uri = java.net.URI.create("ws://127.0.0.1:" + proxy.listener("in").port() + "/");
            try (WsTestClient leaving = WsTestClient.connect(uri); WsTestClient staying = WsTestClient.connect(uri)) {
                leaving.sendText("{\"JSONSocketVersion\": 1, \"who\": \"leaving\"}");
                staying.sendText("{\"JSONSocketVersion\": 1, \"who\": \"staying\"}");
                Await.until(Duration.ofSeconds(10), "both sessions to wait for their retry",
                        () -> proxy.sessions().size() == 2
                                && proxy.sessions().stream().allMatch(x -> x.stats().retries() > 0));
                leaving.close();
                Await.until(Duration.ofSeconds(10), "the leaving client's session to end",
                        () -> proxy.sessions().size() == 1);
                assertThat(proxy.sessions().get(0).metadata().at("/JSONSocket/who").asText()).isEqualTo("staying");
            }
        }
    }

    @Test
    void configFileSpellingsAndErrors() throws Exception {
        final ConfigCodec codec = ConfigCodec.defaults();
        final Config cfg = codec.readConfig("""
                listeners:
                  - name: js
                    spec: {protocol: JSONSocket, transport_spec: {protocol: UDP, port: 0, address: 127.0.0.1}}
                    rules: [{action: {route: {destination: c}}}]
                clusters:
                  - name: c
                    spec:
                      protocol: JSONSocket
                      transport: {protocol: UDP, port: 9000}
                      header:
                        - path: /labels
                        - path: {from: /IP/src_addr, to: /ip}
                        - set: {key: /x/y, value: [1, 2]}
                    endpoints: [{spec: {address: 127.0.0.1}}]
                """, true);
        final JsonSocketSpec c = (JsonSocketSpec) cfg.clusters().get(0).spec();
        assertThat(c.transport()).isInstanceOf(UdpSpec.class);
        assertThat(c.header()).hasSize(3);
        assertThat(c.header().get(0).path()).isEqualTo(new JsonSocketSpec.PathRule("/labels", null));
        assertThat(c.header().get(1).path().toOrRoot()).isEqualTo("/ip");
        assertThat(c.header().get(2).set().value().size()).isEqualTo(2);
        assertThat(((JsonSocketSpec) cfg.listeners().get(0).spec()).transport()).isInstanceOf(UdpSpec.class);
        try (L7mp proxy = L7mp.builder().config(cfg).build()) {
            proxy.start().get(5, SECONDS);
            assertThat(proxy.listener("js").port()).isPositive();
            // The spec reads back as written, with the canonical spellings.
            assertThat(proxy.codec().toTree(proxy.config().clusters().get(0).spec()).toString())
                    .contains("\"transport\":{\"protocol\":\"UDP\",\"port\":9000}")
                    .contains("{\"path\":{\"from\":\"/labels\"}}");
        }

        assertThatThrownBy(() -> L7mp.builder().config(codec.readConfig("""
                listeners:
                  - name: js
                    spec: {protocol: JSONSocket, transport: {protocol: TCP, port: 0}}
                    rules: []
                """, true)).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec.transport.protocol: \"TCP\" keeps no message boundaries")
                .hasMessageContaining("UDP")
                // AF_PACKET is never available: no use suggesting it.
                .hasMessageNotContaining("AF_PACKET");
        assertThatThrownBy(() -> L7mp.builder().listener("js", l -> l.spec(JsonSocketSpec.over(
                        ProtocolSpec.of("UDP")))).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec.transport.port: missing");
        assertThatThrownBy(() -> codec.readConfig("""
                clusters:
                  - name: c
                    spec: {protocol: JSONSocket, transport: {protocol: UDP, port: 1}, header: [{set: {key: a}}]}
                """, true))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("clusters[0].spec.header[0].set.value: missing");
        assertThatThrownBy(() -> codec.readConfig("""
                listeners:
                  - name: js
                    spec: {protocol: JSONSocket}
                    rules: []
                """, true))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("transport");
    }
}
