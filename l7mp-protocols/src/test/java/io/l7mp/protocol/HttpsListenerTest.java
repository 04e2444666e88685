package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP listener with a {@code tls} block: HTTPS with HTTP/1.1 and HTTP/2 by ALPN, client certificates. */
class HttpsListenerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.create(dir);
    }

    static L7mp httpsResponder(TlsSpec tls) throws Exception {
        final L7mp proxy = L7mp.builder().protocol(new HttpTestResponder())
                .cluster("resp", c -> c.spec(ProtocolSpec.of("TestResponder")))
                .listener("https", l -> l.spec(HttpSpec.bind("127.0.0.1", 0).withTls(tls))
                        .rule(r -> r.route(rt -> rt.destination("resp"))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    static HttpResponse<String> post(SSLContext ssl, HttpClient.Version v, L7mp proxy, String body) throws Exception {
        final HttpClient c = HttpClient.newBuilder().version(v).sslContext(ssl).connectTimeout(WAIT).build();
        final URI uri = URI.create("https://localhost:" + proxy.listener("https").port() + "/x");
        return c.sendAsync(HttpRequest.newBuilder(uri).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString()).get(5, SECONDS);
    }

    @Test
    void requestsArriveOverTlsWithHttp11AndHttp2ByAlpn() throws Exception {
        try (L7mp proxy = httpsResponder(TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString()))) {
            final SSLContext ssl = pki.jdkClientContext(false);
            final HttpResponse<String> one = post(ssl, HttpClient.Version.HTTP_1_1, proxy, "over tls");
            assertThat(one.statusCode()).isEqualTo(201);
            assertThat(one.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            final JsonNode reply = JSON.readTree(one.body());
            assertThat(reply.get("body").asText()).isEqualTo("over tls");
            assertThat(reply.at("/metadata/HTTP/version").asText()).isEqualTo("1.1");
            final HttpResponse<String> two = post(ssl, HttpClient.Version.HTTP_2, proxy, "h2 over tls");
            assertThat(two.statusCode()).isEqualTo(201);
            assertThat(two.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(JSON.readTree(two.body()).at("/metadata/HTTP/version").asText()).isEqualTo("2.0");
            assertThat(JSON.readTree(two.body()).get("body").asText()).isEqualTo("h2 over tls");
        }
    }

    /** A keep-alive client that ends its side with a TLS close_notify (no FIN) gets the connection closed. */
    @Test
    void aCloseNotifyOnAKeepAliveConnectionClosesIt() throws Exception {
        try (L7mp proxy = httpsResponder(TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString()));
             javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) pki.jdkClientContext(false).getSocketFactory()
                     .createSocket("localhost", proxy.listener("https").port())) {
            s.setSoTimeout((int) WAIT.toMillis());
            s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            final java.io.InputStream in = s.getInputStream();
            // The test responder answers 201 with a chunked body: read up to its last chunk.
            final StringBuilder got = new StringBuilder();
            while (!got.toString().endsWith("\r\n0\r\n\r\n")) {
                final int b = in.read();
                assertThat(b).as("the response so far: %s", got).isNotNegative();
                got.append((char) b);
            }
            assertThat(got.toString()).startsWith("HTTP/1.1 201");
            s.shutdownOutput();  // close_notify, and no FIN: the socket stays open
            assertThat(in.read()).as("the end of the connection").isEqualTo(-1);
        }
    }

    /** Over TLS too, a client still uploading when its request is refused reads the answer and then the end. */
    @Test
    void aClientStillUploadingReadsTheErrorAnswerOverTls() throws Exception {
        try (L7mp proxy = httpsResponder(TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString()));
             javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) pki.jdkClientContext(false).getSocketFactory()
                     .createSocket("localhost", proxy.listener("https").port())) {
            s.setSoTimeout((int) WAIT.toMillis());
            final byte[] rest = new byte[4 << 20];
            s.getOutputStream().write(("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + rest.length
                    + "\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n").getBytes(US_ASCII));
            s.getOutputStream().write(rest);
            s.getOutputStream().flush();
            final String all = new String(s.getInputStream().readAllBytes(), US_ASCII);
            assertThat(all).startsWith("HTTP/1.1 400 Bad Request").contains("\"status\":400");
        }
    }

    @Test
    void aClientThatDoesNotTrustTheServerOrSpeaksPlainHttpGetsNoAnswer() throws Exception {
        try (L7mp proxy = httpsResponder(TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString()))) {
            assertThatThrownBy(() -> post(SSLContext.getDefault(), HttpClient.Version.HTTP_1_1, proxy, "x"))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("SSLHandshakeException");
            final HttpClient plain = HttpClient.newBuilder().connectTimeout(WAIT).build();
            assertThatThrownBy(() -> plain.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + proxy.listener("https").port() + "/x")).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString()).get(5, SECONDS)).isInstanceOf(ExecutionException.class);
            assertThat(proxy.listener("https").stats().sessions()).isZero();
        }
    }

    @Test
    void withVerifyOnlyClientsWithACertificateFromTheCaAreServed() throws Exception {
        final TlsSpec tls = TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString())
                .withCa(pki.caCert.toString()).withVerify(true);
        try (L7mp proxy = httpsResponder(tls)) {
            assertThat(post(pki.jdkClientContext(true), HttpClient.Version.HTTP_1_1, proxy, "ok").statusCode())
                    .isEqualTo(201);
            assertThatThrownBy(() -> post(pki.jdkClientContext(false), HttpClient.Version.HTTP_1_1, proxy, "no"))
                    .isInstanceOf(ExecutionException.class);
            assertThat(proxy.listener("https").stats().sessions()).isEqualTo(1);
        }
    }

    @Test
    void aMissingCertificateFileIsAConfigErrorNamingTheField() {
        final TlsSpec tls = TlsSpec.server(dir.resolve("none.pem").toString(), pki.serverKey.toString());
        assertThatThrownBy(() -> L7mp.builder().protocol(new HttpTestResponder())
                .cluster("resp", c -> c.spec(ProtocolSpec.of("TestResponder")))
                .listener("https", l -> l.spec(HttpSpec.bind("127.0.0.1", 0).withTls(tls))
                        .rule(r -> r.route(rt -> rt.destination("resp"))))
                .build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec.tls.cert: \"" + dir.resolve("none.pem") + "\"");
    }
}
