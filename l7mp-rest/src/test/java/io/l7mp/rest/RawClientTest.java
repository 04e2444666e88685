package io.l7mp.rest;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API driven the way shell users drive it: {@code printf 'GET ...' | socat - tcp:...} sends its requests, shuts
 * its side of the connection down and waits for the answers; several requests may go out in one write (pipelined).
 * The API answers after the whole request arrived, on another thread, so both depend on the listener keeping the
 * order of requests and the connection's half that is still open.
 */
class RawClientTest {
    private L7mp proxy;

    @BeforeEach
    void start() throws Exception {
        proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .build();
        proxy.start().get(5, SECONDS);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    /** Writes {@code requests} at once, optionally half-closes, and reads until the server closes. */
    private String exchange(String requests, boolean halfClose) throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxy.listener(RestApi.CONTROLLER_LISTENER).port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(requests.getBytes(US_ASCII));
            s.getOutputStream().flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            return readAll(s.getInputStream());
        }
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

    private static int count(String all, String regex) {
        final Matcher m = Pattern.compile(regex).matcher(all);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestGetsTheAnswer() throws Exception {
        final String ok = exchange("GET /api/v1/admin HTTP/1.1\r\nHost: x\r\n\r\n", true);
        assertThat(ok).startsWith("HTTP/1.1 200 OK").contains("\"log_level\"").containsIgnoringCase(
                "connection: close");
        final String bad = exchange("GET /api/v1/listeners/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n", true);
        assertThat(bad).startsWith("HTTP/1.1 400 Bad Request").contains("malformed percent-encoding");
        final String body = "cluster: {name: c2, spec: {protocol: Echo}}";
        final String post = exchange("POST /api/v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-yaml\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body, true);
        assertThat(post).startsWith("HTTP/1.1 200 OK");
        assertThat(proxy.cluster("c2")).isNotNull();
    }

    @Test
    void pipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        final String body = "cluster: {name: c3, spec: {protocol: Echo}}";
        final String three = "GET /api/v1/admin HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /api/v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: text/x-yaml\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body
                + "GET /api/v1/clusters/c3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        final String all = exchange(three, false);
        assertThat(count(all, "HTTP/1\\.1 200 OK")).as(all).isEqualTo(3);
        // In order: the admin object, then the POST's status, then the cluster it added.
        assertThat(all.indexOf("\"log_level\"")).isPositive().isLessThan(all.indexOf("\"c3\""));
        // The same, half-closed right after the last request instead of asking for the close.
        final String again = exchange(three.replace("c3", "c4").replace("Connection: close\r\n", ""), true);
        assertThat(count(again, "HTTP/1\\.1 200 OK")).as(again).isEqualTo(3);
        assertThat(again).contains("\"c4\"");
    }

    @Test
    void aClientThatStallsInItsBodyGets408AndItsConnectionCloses() throws Exception {
        final Api api = Api.of(proxy);
        RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                listener:
                  name: impatient
                  spec: { protocol: HTTP, port: 0, address: 127.0.0.1 }
                  rules: [ { action: { route: { destination: { spec: { protocol: L7mpController, body_timeout: 300 } } } } } ]
                """));
        final int port = proxy.listener("impatient").port();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            // Slowloris: a head that promises 100 bytes, 11 of them, then nothing while the socket stays open.
            s.getOutputStream().write(("POST /api/v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 100\r\n\r\n{\"cluster\":").getBytes(US_ASCII));
            s.getOutputStream().flush();
            final String answer = readAll(s.getInputStream());   // returns when the server closes
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout").containsIgnoringCase("connection: close")
                    .contains("body: not complete within 300 ms (received 11 of 100 bytes)");
        }
        // A head that declares a huge body and sends none of it gets the same answer.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /api/v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 99999999999\r\n\r\n").getBytes(US_ASCII));
            s.getOutputStream().flush();
            assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 408 Request Timeout")
                    .contains("(received 0 of 99999999999 bytes)");
        }
        // Nothing stays behind: the stalled call's session ended with its answer, and it added nothing.
        Await.until(Duration.ofSeconds(5), "the stalled call's session to end", () -> proxy.sessions().stream()
                .noneMatch(x -> "impatient".equals(x.listener())));
        assertThat(proxy.clusters()).noneMatch(c -> c.name().equals("c"));
        RestApiTest.assertOk(new Api(port).postYaml("/api/v1/clusters", "cluster: {name: c, spec: {protocol: Echo}}"));
    }

    /**
     * A body over max_body_size is answered 413 and the connection ends, whether the client goes on uploading (it
     * writes its whole request before it reads: it reads the 413, not a reset) or stalls after the limit (the
     * connection does not wait for the rest).
     */
    @Test
    void aBodyOverTheLimitGets413AndItsConnectionEndsWhetherTheClientGoesOnOrStalls() throws Exception {
        final Api api = Api.of(proxy);
        RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                listener:
                  name: small
                  spec: { protocol: HTTP, port: 0, address: 127.0.0.1 }
                  rules: [ { action: { route: { destination: { spec: { protocol: L7mpController, max_body_size: 100 } } } } } ]
                """));
        final int port = proxy.listener("small").port();
        final byte[] body = new byte[8 << 20];
        java.util.Arrays.fill(body, (byte) ' ');
        final String head = "POST /api/v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head.getBytes(US_ASCII));
            s.getOutputStream().write(body);
            s.getOutputStream().flush();
            assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 413 Request Entity Too Large")
                    .containsIgnoringCase("connection: close").contains("body: larger than 100 bytes");
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head.getBytes(US_ASCII));
            s.getOutputStream().write(body, 0, 500);
            s.getOutputStream().flush();
            final long start = System.nanoTime();
            assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 413 Request Entity Too Large");
            // Well within the head timeout (60 s), the bound of waiting for the rest of a body answered early.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
        Await.until(Duration.ofSeconds(5), "the refused calls' sessions to end", () -> proxy.sessions().stream()
                .noneMatch(x -> "small".equals(x.listener())));
    }
}
