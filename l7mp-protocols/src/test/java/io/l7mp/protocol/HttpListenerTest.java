package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HttpListenerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    static L7mp responderProxy() {
        return L7mp.builder().protocol(new HttpTestResponder())
                .cluster("resp", c -> c.spec(ProtocolSpec.of("TestResponder")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("resp"))))
                .build();
    }

    static URI uri(L7mp proxy, String path) {
        return URI.create("http://127.0.0.1:" + proxy.listener("http").port() + path);
    }

    static HttpClient client(HttpClient.Version v) {
        return HttpClient.newBuilder().version(v).connectTimeout(WAIT).build();
    }

    static HttpResponse<String> send(HttpClient c, HttpRequest r) throws Exception {
        return c.sendAsync(r, HttpResponse.BodyHandlers.ofString()).get(5, SECONDS);
    }

    @Test
    void aRequestIsASessionWithL7mpsMetadataAndTheClusterSetsTheStatus() throws Exception {
        try (L7mp proxy = responderProxy()) {
            proxy.start().get(5, SECONDS);
            final int port = proxy.listener("http").port();
            final HttpResponse<String> r = send(client(HttpClient.Version.HTTP_1_1), HttpRequest.newBuilder(
                    uri(proxy, "/api/v1/x?recursive=true")).timeout(WAIT).header("X-Foo", "bar")
                    .POST(HttpRequest.BodyPublishers.ofString("hello")).build());
            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(r.headers().firstValue("x-test")).hasValue("yes");
            final JsonNode reply = JSON.readTree(r.body());
            assertThat(reply.get("session").asText()).matches("HTTP:127\\.0\\.0\\.1:\\d+-127\\.0\\.0\\.1:" + port + "-0");
            assertThat(reply.get("bytes").asLong()).isEqualTo(5);
            assertThat(reply.get("body").asText()).isEqualTo("hello");
            final JsonNode md = reply.get("metadata");
            assertThat(md.at("/IP/src_addr").asText()).isEqualTo("127.0.0.1");
            assertThat(md.at("/IP/dst_addr").asText()).isEqualTo("127.0.0.1");
            assertThat(md.at("/TCP/dst_port").asInt()).isEqualTo(port);
            assertThat(md.at("/TCP/src_port").asInt()).isPositive();
            assertThat(md.at("/HTTP/version").asText()).isEqualTo("1.1");
            assertThat(md.at("/HTTP/method").asText()).isEqualTo("POST");
            assertThat(md.at("/HTTP/url/url").asText()).isEqualTo("/api/v1/x?recursive=true");
            assertThat(md.at("/HTTP/url/href").asText()).isEqualTo("/api/v1/x?recursive=true");
            assertThat(md.at("/HTTP/url/path").asText()).isEqualTo("/api/v1/x?recursive=true");
            assertThat(md.at("/HTTP/url/query").asText()).isEqualTo("recursive=true");
            assertThat(md.at("/HTTP/url/protocol").asText()).isEmpty();
            assertThat(md.at("/HTTP/url/host").asText()).isEmpty();
            assertThat(md.at("/HTTP/url/port").asText()).isEmpty();
            assertThat(md.at("/HTTP/headers/x-foo").asText()).isEqualTo("bar");
            assertThat(md.at("/HTTP/headers/host").asText()).isEqualTo("127.0.0.1:" + port);
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            assertThat(proxy.listener("http").stats().sessions()).isEqualTo(1);
        }
    }

    @Test
    void keepAliveCarriesSequentialSessionsOnOneConnection() throws Exception {
        try (L7mp proxy = responderProxy()) {
            proxy.start().get(5, SECONDS);
            final HttpClient c = client(HttpClient.Version.HTTP_1_1);
            int srcPort = -1;
            for (int i = 0; i < 3; i++) {
                final JsonNode reply = JSON.readTree(send(c, HttpRequest.newBuilder(uri(proxy, "/n/" + i))
                        .timeout(WAIT).GET().build()).body());
                assertThat(reply.get("session").asText()).endsWith("-" + i);
                assertThat(reply.at("/metadata/HTTP/method").asText()).isEqualTo("GET");
                assertThat(reply.get("bytes").asLong()).isZero();
                if (srcPort < 0) {
                    srcPort = reply.at("/metadata/TCP/src_port").asInt();
                }
                assertThat(reply.at("/metadata/TCP/src_port").asInt()).isEqualTo(srcPort);
            }
            Await.until(WAIT, "the sessions to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void aLargeBodyStreamsToTheClusterAfter100Continue() throws Exception {
        try (L7mp proxy = responderProxy()) {
            proxy.start().get(5, SECONDS);
            final byte[] big = "z".repeat(4 << 20).getBytes(US_ASCII);
            final HttpResponse<String> r = send(client(HttpClient.Version.HTTP_1_1), HttpRequest.newBuilder(
                    uri(proxy, "/big")).timeout(WAIT).expectContinue(true)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(JSON.readTree(r.body()).get("bytes").asLong()).isEqualTo(big.length);
        }
    }

    @Test
    void noMatchingRuleAnswersL7mpsErrorBodyAndTheConnectionCarriesOn() throws Exception {
        try (L7mp proxy = L7mp.builder().protocol(new HttpTestResponder())
                .cluster("resp", c -> c.spec(ProtocolSpec.of("TestResponder")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.match("{\"op\":\"starts\",\"path\":\"/HTTP/url/path\",\"value\":\"/api\"}")
                                .route(rt -> rt.destination("resp"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            final HttpClient c = client(HttpClient.Version.HTTP_1_1);
            final HttpResponse<String> miss = send(c, HttpRequest.newBuilder(uri(proxy, "/other")).timeout(WAIT)
                    .POST(HttpRequest.BodyPublishers.ofString("ignored body")).build());
            assertThat(miss.statusCode()).isEqualTo(404);
            assertThat(miss.headers().firstValue("content-type")).hasValue("application/json");
            final JsonNode err = JSON.readTree(miss.body());
            assertThat(err.get("status").asInt()).isEqualTo(404);
            assertThat(err.get("message").asText()).isEqualTo("Not Found");
            assertThat(err.get("content").asText()).startsWith("No route for session");
            try (Socket s = new Socket("127.0.0.1", proxy.listener("http").port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
                        + "GET /api/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(US_ASCII));
                final String all = readAll(s.getInputStream());
                assertThat(all).startsWith("HTTP/1.1 404 Not Found").contains("HTTP/1.1 201 Created");
            }
            Await.until(WAIT, "the sessions to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void anUnreachableBackendAnswers502() throws Exception {
        final int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(closed)).endpoint("127.0.0.1"))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            final HttpResponse<String> r = send(client(HttpClient.Version.HTTP_1_1),
                    HttpRequest.newBuilder(uri(proxy, "/")).timeout(WAIT).GET().build());
            assertThat(r.statusCode()).isEqualTo(502);
            final JsonNode err = JSON.readTree(r.body());
            assertThat(err.get("status").asInt()).isEqualTo(502);
            assertThat(err.get("message").asText()).isEqualTo("Bad Gateway");
            assertThat(err.get("content").asText()).contains("127.0.0.1");
        }
    }

    /**
     * A client that trickles its request head gets 408 and a closed connection once the head timeout has passed since
     * its first byte, however often a byte comes; a keep-alive connection idle between requests is not cut by it.
     */
    @Test
    void aHeadThatTricklesInGets408() throws Exception {
        try (L7mp proxy = L7mp.builder().protocol(new HttpTestResponder())
                .cluster("resp", c -> c.spec(ProtocolSpec.of("TestResponder")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0).withHeadTimeout(Duration.ofMillis(300)))
                        .rule(r -> r.route(rt -> rt.destination("resp"))))
                .build();
             Socket idle = new Socket();
             Socket slow = new Socket()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("http").port());
            idle.connect(to, 5_000);
            idle.setSoTimeout(5_000);
            final byte[] get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII);
            idle.getOutputStream().write(get);
            assertThat(readHead(idle.getInputStream())).startsWith("HTTP/1.1 201");

            slow.connect(to, 5_000);
            slow.setSoTimeout(5_000);
            final byte[] head = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(US_ASCII);
            final CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                try {
                    for (final byte b : head) {   // bounded: the head never ends
                        slow.getOutputStream().write(b);
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                    }
                } catch (final IOException closed) {
                    // the proxy closed the connection: what the test expects
                }
            });
            final String answer = readAll(slow.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout").containsIgnoringCase("connection: close")
                    .contains("request head not complete within 300 ms");
            trickle.get(10, SECONDS);
            // More than the head timeout has passed since the idle connection's response: it still takes requests.
            idle.getOutputStream().write(get);
            assertThat(readHead(idle.getInputStream())).startsWith("HTTP/1.1 201");
        }
    }

    /** Reads a response head and its body (by content-length or chunks); returns the head. */
    private static String readHead(InputStream in) throws IOException {
        final StringBuilder h = new StringBuilder();
        while (!h.toString().endsWith("\r\n\r\n")) {
            final int c = in.read();
            if (c < 0) {
                break;
            }
            h.append((char) c);
        }
        final Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(h);
        if (m.find()) {
            in.readNBytes(Integer.parseInt(m.group(1)));
        } else if (h.toString().toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
            final StringBuilder body = new StringBuilder();
            while (!body.toString().endsWith("\r\n0\r\n\r\n") && !body.toString().equals("0\r\n\r\n")) {
                final int c = in.read();
                if (c < 0) {
                    break;
                }
                body.append((char) c);
            }
        }
        return h.toString();
    }

    /** A client that goes away while its request waits to retry the upstream connect ends that request's session. */
    @Test
    void aClientThatLeavesBeforeTheConnectEndsItsSession() throws Exception {
        final int refusing;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            refusing = s.getLocalPort();
        }
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(refusing)).endpoint("127.0.0.1"))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up").retryOn(io.l7mp.spec.RetryOn.ALWAYS)
                                .numRetries(5).timeout(Duration.ofSeconds(30)))))
                .build();
             Socket leaving = new Socket();
             Socket staying = new Socket()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("http").port());
            for (final Socket c : new Socket[] {leaving, staying}) {
                c.connect(to, 5_000);
                c.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            }
            Await.until(Duration.ofSeconds(10), "both requests to wait for their retry",
                    () -> proxy.sessions().size() == 2
                            && proxy.sessions().stream().allMatch(x -> x.stats().retries() > 0));
            final String kept = proxy.sessions().stream()
                    .filter(x -> x.metadata().at("/TCP/src_port").asInt() == staying.getLocalPort())
                    .findFirst().orElseThrow().name();
            leaving.setSoLinger(true, 0);
            leaving.close();
            Await.until(Duration.ofSeconds(10), "the leaving client's session to end",
                    () -> proxy.sessions().size() == 1);
            assertThat(proxy.sessions()).extracting(io.l7mp.SessionInfo::name).containsExactly(kept);
        }
    }

    @Test
    void theBodyStreamsToATcpBackendAndItsReplyIsTheChunkedResponse() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
                try (Socket s = backend.accept()) {
                    s.setSoTimeout(5_000);
                    final byte[] b = new byte[7];
                    int n = 0;
                    while (n < b.length) {
                        final int k = s.getInputStream().read(b, n, b.length - n);
                        if (k < 0) {
                            break;
                        }
                        n += k;
                    }
                    s.getOutputStream().write("first,".getBytes(US_ASCII));
                    s.getOutputStream().flush();
                    s.getOutputStream().write("second".getBytes(US_ASCII));
                    return new String(b, 0, n, US_ASCII);
                } catch (final IOException e) {
                    return e.toString();
                }
            });
            try (L7mp proxy = L7mp.builder()
                    .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                    .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build()) {
                proxy.start().get(5, SECONDS);
                final HttpResponse<String> r = send(client(HttpClient.Version.HTTP_1_1),
                        HttpRequest.newBuilder(uri(proxy, "/")).timeout(WAIT)
                                .POST(HttpRequest.BodyPublishers.ofString("payload")).build());
                assertThat(got.get(5, SECONDS)).isEqualTo("payload");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
                assertThat(r.body()).isEqualTo("first,second");
                Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    @Test
    void aRequestToEchoComesBackAsTheResponseAndEndsOnHttp1AndHttp2() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            // The end of the request body is the end of Echo's input, so Echo ends the response (as curl -d shows).
            for (final HttpClient.Version v : HttpClient.Version.values()) {
                final HttpResponse<String> r = send(client(v), HttpRequest.newBuilder(uri(proxy, "/echo"))
                        .timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString("hello " + v)).build());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("hello " + v);
                final HttpResponse<String> empty = send(client(v),
                        HttpRequest.newBuilder(uri(proxy, "/empty")).timeout(WAIT).GET().build());
                assertThat(empty.statusCode()).isEqualTo(200);
                assertThat(empty.body()).isEmpty();
            }
            Await.until(WAIT, "the sessions to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void theEndOfTheBodyHalfClosesATcpBackendThatAnswersAtTheEndOfItsInput() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            // Like wc: reads up to its end of input, then answers and closes.
            final CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = backend.accept()) {
                    s.setSoTimeout(5_000);
                    final byte[] all = s.getInputStream().readAllBytes();
                    s.getOutputStream().write(("got " + all.length + " bytes").getBytes(US_ASCII));
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (L7mp proxy = L7mp.builder()
                    .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                    .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build()) {
                proxy.start().get(5, SECONDS);
                final HttpResponse<String> r = send(client(HttpClient.Version.HTTP_1_1),
                        HttpRequest.newBuilder(uri(proxy, "/")).timeout(WAIT)
                                .POST(HttpRequest.BodyPublishers.ofString("0123456789")).build());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("got 10 bytes");
                served.get(5, SECONDS);
                Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    /** A client that half-closes after its request ("printf 'GET ...' | socat") gets a large answer whole. */
    @Test
    void aLargeAnswerReachesAClientThatHalfClosedAfterItsRequest() throws Exception {
        final int size = 8 << 20;
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = backend.accept()) {
                    // Answers once the request has ended (the proxy passes its end on), so after the client's FIN.
                    s.setSoTimeout(5_000);
                    s.getInputStream().readAllBytes();
                    final byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte) 'x');
                    for (int off = 0; off < size; off += chunk.length) {
                        s.getOutputStream().write(chunk);
                    }
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (L7mp proxy = L7mp.builder()
                    .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                    .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build();
                 Socket c = new Socket()) {
                proxy.start().get(5, SECONDS);
                // A small receive buffer: the proxy soon finds the client's socket full and must wait to write.
                c.setReceiveBufferSize(16 * 1024);
                c.connect(new java.net.InetSocketAddress("127.0.0.1", proxy.listener("http").port()), 5_000);
                c.setSoTimeout(10_000);
                c.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
                c.shutdownOutput();
                final byte[] all = c.getInputStream().readAllBytes();
                final String text = new String(all, US_ASCII);
                assertThat(text).startsWith("HTTP/1.1 200").endsWith("\r\n0\r\n\r\n");
                assertThat(text.chars().filter(ch -> ch == 'x').count()).as("bytes of the answer").isEqualTo(size);
                served.get(5, SECONDS);
            }
        }
    }

    @Test
    void aUdpAnswerIsTheResponseAndTheSessionOfAClientThatLeftEndsOnceIdle() throws Exception {
        try (java.net.DatagramSocket udp = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            udp.setSoTimeout(5_000);
            try (L7mp proxy = L7mp.builder()
                    .cluster("up", c -> c.spec(UdpSpec.port(udp.getLocalPort())).endpoint("127.0.0.1"))
                    .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build()) {
                proxy.start().get(5, SECONDS);
                try (Socket s = new Socket("127.0.0.1", proxy.listener("http").port())) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping"
                            .getBytes(US_ASCII));
                    final java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[100], 100);
                    udp.receive(p);
                    assertThat(new String(p.getData(), 0, p.getLength(), US_ASCII)).isEqualTo("ping");
                    // UDP cannot be told that the request ended: the answer still comes after it.
                    udp.send(new java.net.DatagramPacket("pong".getBytes(US_ASCII), 4, p.getSocketAddress()));
                    final StringBuilder got = new StringBuilder();
                    final InputStream in = s.getInputStream();
                    while (!got.toString().endsWith("4\r\npong\r\n")) {
                        final int c = in.read();
                        assertThat(c).as("the response so far: " + got).isNotNegative();
                        got.append((char) c);
                    }
                    assertThat(got.toString()).startsWith("HTTP/1.1 200 OK");
                    assertThat(proxy.sessions()).singleElement().satisfies(i -> assertThat(i.events())
                            .extracting(io.l7mp.SessionEvent::event).contains("HALF-CLOSE"));
                }
                final java.util.Set<String> before = new java.util.HashSet<>();
                proxy.sessions().forEach(i -> before.add(i.name()));
                try (Socket s = new Socket("127.0.0.1", proxy.listener("http").port())) {
                    s.getOutputStream().write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nlost"
                            .getBytes(US_ASCII));
                    udp.receive(new java.net.DatagramPacket(new byte[100], 100));
                }
                // This client is gone and the UDP service stays silent: the session ends as an idle half-closed one
                // (30 to 60 s after its last byte) instead of staying forever.
                Await.until(Duration.ofSeconds(70), "the idle session to end", () -> proxy.sessions().stream()
                        .allMatch(i -> before.contains(i.name())));
            }
        }
    }

    @Test
    void anH2cUpgradeWithALargeBodyIsServedAsHttp1() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            // What curl --http2 -d @file sends: an upgrade whose body is larger than an upgrade request may hold.
            final int size = 200_000;
            s.getOutputStream().write(("POST /big HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: " + size + "\r\n\r\n"
                    + "z".repeat(size)).getBytes(US_ASCII));
            final String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 200 OK");
            assertThat(all.chars().filter(c -> c == 'z').count()).as("the echoed body").isEqualTo(size);
        }
    }

    @Test
    void theJdkClientUpgradesToHttp2() throws Exception {
        try (L7mp proxy = responderProxy()) {
            proxy.start().get(5, SECONDS);
            final HttpClient c = client(HttpClient.Version.HTTP_2);
            for (int i = 0; i < 2; i++) {
                final HttpResponse<String> r = send(c, HttpRequest.newBuilder(uri(proxy, "/h2?i=" + i)).timeout(WAIT)
                        .GET().build());
                assertThat(r.statusCode()).isEqualTo(201);
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
                final JsonNode md = JSON.readTree(r.body()).get("metadata");
                assertThat(md.at("/HTTP/version").asText()).isEqualTo("2.0");
                assertThat(md.at("/HTTP/url/path").asText()).isEqualTo("/h2?i=" + i);
            }
            final HttpResponse<String> post = send(c, HttpRequest.newBuilder(uri(proxy, "/h2post")).timeout(WAIT)
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build());
            assertThat(JSON.readTree(post.body()).get("bytes").asLong()).isEqualTo(100_000);
            Await.until(WAIT, "the sessions to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void http2WithPriorKnowledgeServesStreamsAsSessionsAndGetsGoAwayOnDelete() throws Exception {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final CompletableFuture<Long> goAway = new CompletableFuture<>();
        try (L7mp proxy = responderProxy()) {
            proxy.start().get(5, SECONDS);
            final Channel conn = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof Http2GoAwayFrame g) {
                                                goAway.complete(g.errorCode());
                                            }
                                            io.netty.util.ReferenceCountUtil.release(msg);
                                        }
                                    });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", proxy.listener("http").port())).sync().channel();
            final CopyOnWriteArrayList<String> bodies = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 2; i++) {
                final CompletableFuture<FullHttpResponse> done = new CompletableFuture<>();
                final Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn)
                        .handler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                                        new HttpObjectAggregator(1 << 20),
                                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx,
                                                                        FullHttpResponse msg) {
                                                done.complete(msg.retainedDuplicate());
                                            }
                                        });
                            }
                        }).open().sync().getNow();
                final FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                        "/prior/" + i, Unpooled.copiedBuffer("abc", US_ASCII));
                req.headers().set("host", "127.0.0.1");
                stream.writeAndFlush(req);
                final FullHttpResponse resp = done.get(5, SECONDS);
                try {
                    assertThat(resp.status().code()).isEqualTo(201);
                    bodies.add(resp.content().toString(StandardCharsets.UTF_8));
                } finally {
                    resp.release();
                }
            }
            proxy.deleteListener("http", false).get(5, SECONDS);
            assertThat(goAway.get(5, SECONDS)).isZero();
            conn.close().sync();
            for (int i = 0; i < 2; i++) {
                final JsonNode reply = JSON.readTree(bodies.get(i));
                assertThat(reply.at("/metadata/HTTP/version").asText()).isEqualTo("2.0");
                assertThat(reply.at("/metadata/HTTP/url/path").asText()).isEqualTo("/prior/" + i);
                assertThat(reply.get("body").asText()).isEqualTo("abc");
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (L7mp proxy = responderProxy();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            final String two = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
            s.getOutputStream().write(two.getBytes(US_ASCII));
            s.getOutputStream().flush();
            final String all = readAll(s.getInputStream());
            final Matcher m = Pattern.compile("HTTP/1\\.1 201 Created").matcher(all);
            int n = 0;
            while (m.find()) {
                n++;
            }
            assertThat(n).isEqualTo(2);
            assertThat(all.indexOf("\"/one\"")).isPositive().isLessThan(all.indexOf("\"/two\""));
            assertThat(all).contains("\"body\":\"abc\"");
        }
    }

    private static int startAndPort(L7mp proxy) throws Exception {
        proxy.start().get(5, SECONDS);
        return proxy.listener("http").port();
    }

    private static String readAll(InputStream in) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] b = new byte[4096];
        for (int i = 0; i < 10_000; i++) {
            final int n = in.read(b);
            if (n < 0) {
                break;
            }
            out.write(b, 0, n);
        }
        return out.toString(US_ASCII);
    }

    @Test
    void http10RequestsAreAnsweredAndTheConnectionCloses() throws Exception {
        try (L7mp proxy = responderProxy();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("POST /old HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi".getBytes(US_ASCII));
            final String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.0 201 Created").doesNotContain("chunked").contains("\"body\":\"hi\"")
                    .contains("\"version\":\"1.0\"");
        }
    }

    @Test
    void deletingTheListenerClosesIdleKeepAliveConnections() throws Exception {
        try (L7mp proxy = responderProxy();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            final byte[] b = new byte[8192];
            final int n = s.getInputStream().read(b);
            assertThat(new String(b, 0, n, US_ASCII)).startsWith("HTTP/1.1 201 Created");
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            proxy.deleteListener("http", false).get(5, SECONDS);
            final InputStream in = s.getInputStream();
            int r = 0;
            for (int i = 0; i < 100 && r >= 0; i++) {
                r = in.read(b);
            }
            assertThat(r).isEqualTo(-1);
        }
    }

    @Test
    void aMalformedRequestGets400AndTheConnectionCloses() throws Exception {
        try (L7mp proxy = responderProxy();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n")
                    .getBytes(US_ASCII));
            final String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 400 Bad Request").contains("\"status\":400");
            assertThat(proxy.listener("http").stats().sessions()).isZero();
        }
    }

    @Test
    void aBadChunkInTheBodyGets400AndTheConnectionCloses() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            // The head is fine, so the request is a session already when its body turns out broken.
            s.getOutputStream().write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"
                    .getBytes(US_ASCII));
            final String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 400 Bad Request").contains("\"status\":400")
                    .contains("connection: close");
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void anUnknownHttpVersionGets505AndTheConnectionCloses() throws Exception {
        try (L7mp proxy = responderProxy();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET / HTTP/9.9\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
            final String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 505 HTTP Version Not Supported").contains("\"status\":505")
                    .contains("HTTP/9.9");
            assertThat(proxy.listener("http").stats().sessions()).isZero();
        }
    }

    /**
     * A client that sends its whole request before it reads (a large upload) reads the error answer that came early,
     * and then the end of the connection: closing with its bytes unread would reset the connection, and the client's
     * side could drop the answer with it. Before the request ends: a head over the limit (400, and the bytes behind it
     * are never decoded); a body that goes on after its request was answered (404, past the 1 MiB read and dropped to
     * keep the connection).
     */
    @Test
    void aClientStillUploadingReadsTheErrorAnswerInsteadOfAReset() throws Exception {
        final byte[] rest = new byte[8 << 20];
        try (L7mp proxy = L7mp.builder()
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.match("{\"op\":\"starts\",\"path\":\"/HTTP/url/path\",\"value\":\"/api\"}")
                                .route(rt -> rt.destination("nowhere"))))
                .cluster("nowhere", c -> c.spec(ProtocolSpec.of("Discard")))
                .build()) {
            final int port = startAndPort(proxy);
            final String bigHead = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + rest.length + "\r\nX-Big: "
                    + "a".repeat(20_000) + "\r\n\r\n";
            assertThat(uploadThenRead(port, bigHead, rest)).startsWith("HTTP/1.1 400 Bad Request")
                    .contains("\"status\":400");
            final String unrouted = "POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: " + rest.length + "\r\n\r\n";
            assertThat(uploadThenRead(port, unrouted, rest)).startsWith("HTTP/1.1 404 Not Found")
                    .contains("No route for session");
            Await.until(WAIT, "the sessions to end", () -> proxy.sessions().isEmpty());
        }
    }

    /** Writes {@code head} and {@code body} whole, then reads until the server closes; fails on a reset. */
    private static String uploadThenRead(int port, String head, byte[] body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head.getBytes(US_ASCII));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            return readAll(s.getInputStream());
        }
    }

    /**
     * A request answered before its body ended keeps its connection while the client sends the rest (it is read and
     * dropped), but only for the head timeout: a client that stalls in its body would hold the connection forever.
     */
    @Test
    void aConnectionWhoseAnsweredBodyStallsEndsAfterTheHeadTimeout() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0).withHeadTimeout(Duration.ofMillis(300)))
                        .rule(r -> r.match("{\"op\":\"starts\",\"path\":\"/HTTP/url/path\",\"value\":\"/api\"}")
                                .route(rt -> rt.destination("nowhere"))))
                .cluster("nowhere", c -> c.spec(ProtocolSpec.of("Discard")))
                .build();
             Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", startAndPort(proxy)), 5_000);
            s.setSoTimeout(5_000);
            // 10 of the 100000 bytes the head promises, then nothing while the socket stays open.
            s.getOutputStream().write("POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789"
                    .getBytes(US_ASCII));
            s.getOutputStream().flush();
            final long start = System.nanoTime();
            assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 404 Not Found");   // then the server's end
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void headRequestsGetNoBody() throws Exception {
        try (L7mp proxy = responderProxy();
             Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(US_ASCII));
            final String all = readAll(s.getInputStream());
            assertThat(all).startsWith("HTTP/1.1 201 Created");
            assertThat(all.substring(all.indexOf("\r\n\r\n") + 4)).isEmpty();
        }
    }

    @Test
    void aClientThatGoesAwayEndsItsSession() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final CompletableFuture<Integer> eof = CompletableFuture.supplyAsync(() -> {
                try (Socket s = backend.accept()) {
                    s.setSoTimeout(5_000);
                    int total = 0;
                    for (int i = 0; i < 1000; i++) {
                        final int n = s.getInputStream().read(new byte[256]);
                        if (n < 0) {
                            return total;
                        }
                        total += n;
                    }
                    return -1;
                } catch (final IOException e) {
                    return -2;
                }
            });
            try (L7mp proxy = L7mp.builder()
                    .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                    .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up"))))
                    .build()) {
                try (Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
                    s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n").getBytes(US_ASCII));
                    s.getOutputStream().flush();
                    Await.until(WAIT, "the session to connect", () -> proxy.sessions().size() == 1
                            && proxy.sessions().get(0).status() == io.l7mp.SessionStatus.CONNECTED);
                }
                assertThat(eof.get(5, SECONDS)).isEqualTo(5);
                Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    @Test
    void ruleMatchesOnTheUrlPathChooseTheCluster() throws Exception {
        try (L7mp proxy = L7mp.builder().protocol(new HttpTestResponder())
                .cluster("resp", c -> c.spec(ProtocolSpec.of("TestResponder")))
                .cluster("discard", c -> c.spec(ProtocolSpec.of("Discard")))
                .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.match("{\"op\":\"starts\",\"path\":\"/HTTP/url/path\",\"value\":\"/metrics\"}")
                                .route(rt -> rt.destination("resp")))
                        .rule(r -> r.matchTest("/HTTP/method", "DELETE").route(rt -> rt.destination("resp"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            final HttpClient c = client(HttpClient.Version.HTTP_1_1);
            assertThat(send(c, HttpRequest.newBuilder(uri(proxy, "/metrics")).timeout(WAIT).build()).statusCode())
                    .isEqualTo(201);
            assertThat(send(c, HttpRequest.newBuilder(uri(proxy, "/x")).timeout(WAIT).DELETE().build())
                    .statusCode()).isEqualTo(201);
            assertThat(send(c, HttpRequest.newBuilder(uri(proxy, "/x")).timeout(WAIT).build()).statusCode())
                    .isEqualTo(404);
        }
    }
}
