package io.l7mp.rest;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.L7mp;
import io.l7mp.protocol.HttpSpec;
import io.l7mp.protocol.TlsSpec;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.testing.TestPki;
import java.net.http.HttpClient;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API over HTTPS (certificates made at test time), with the bearer token and with client certificates. */
class ApiOverTlsTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.create(dir);
    }

    @Test
    void theApiAnswersOverHttpsWithTheBearerTokenOnHttp11AndHttp2() throws Exception {
        final HttpSpec https = HttpSpec.bind("127.0.0.1", 0)
                .withTls(TlsSpec.server(pki.serverCert.toString(), pki.serverKey.toString()));
        try (L7mp proxy = RestApi.addTo(L7mp.builder(), https).admin(AdminSpec.DEFAULT.withApiToken("s3cret"))
                .build()) {
            proxy.start().get(5, SECONDS);
            final int port = proxy.listener(RestApi.CONTROLLER_LISTENER).port();
            final SSLContext trusting = pki.jdkClientContext(false);
            for (final HttpClient.Version v : new HttpClient.Version[] {HttpClient.Version.HTTP_1_1,
                    HttpClient.Version.HTTP_2}) {
                final Api anon = new Api(port, v, trusting);
                RestApiTest.assertError(anon.get("/api/v1/config"), 401, "Unauthorized",
                        "missing or wrong bearer token");
                final Api api = new Api(port, v, trusting).token("s3cret");
                final String name = "c-" + v.name().toLowerCase(java.util.Locale.ROOT);
                RestApiTest.assertOk(api.postYaml("/api/v1/clusters",
                        "cluster: { name: " + name + ", spec: { protocol: Echo } }"));
                assertThat(api.get("/api/v1/clusters/" + name).json().at("/spec/protocol").asText())
                        .isEqualTo("Echo");
                assertThat(api.get("/api/v1/sessions").json().get(0).at("/metadata/HTTP/version").asText())
                        .isEqualTo(v == HttpClient.Version.HTTP_2 ? "2.0" : "1.1");
                assertThat(api.get("/api/v1/listeners/" + RestApi.CONTROLLER_LISTENER).json()
                        .at("/spec/tls/cert").asText()).isEqualTo(pki.serverCert.toString());
            }
            // Plain HTTP on the TLS port, and a client that does not trust the certificate, get nothing.
            assertThatThrownBy(() -> new Api(port).token("s3cret").get("/api/v1/config"))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("GET /api/v1/config failed");
            assertThatThrownBy(() -> new Api(port, HttpClient.Version.HTTP_1_1, SSLContext.getDefault())
                    .token("s3cret").get("/api/v1/config")).hasStackTraceContaining("SSLHandshakeException");
        }
    }

    @Test
    void aStaticConfigOpensAnHttpsApiThatRequiresClientCertificates() throws Exception {
        final String yaml = """
                admin: { api_token: s3cret }
                listeners:
                  - name: controller-listener
                    spec:
                      protocol: HTTP
                      address: 127.0.0.1
                      port: 0
                      tls: { cert: "%s", key: "%s", ca: "%s", verify: true }
                    rules:
                      - action:
                          route:
                            destination:
                              name: l7mp-controller
                              spec: { protocol: L7mpController }
                """.formatted(pki.serverCert, pki.serverKey, pki.caCert);
        final Config cfg = ConfigCodec.defaults().readConfig(yaml, true);
        try (L7mp proxy = L7mp.builder().config(cfg).build()) {
            proxy.start().get(5, SECONDS);
            final int port = proxy.listener(RestApi.CONTROLLER_LISTENER).port();
            final Api withCert = new Api(port, HttpClient.Version.HTTP_1_1, pki.jdkClientContext(true)).token("s3cret");
            assertThat(withCert.get("/api/v1/admin").json().get("log_level").asText()).isEqualTo("info");
            assertThatThrownBy(() -> new Api(port, HttpClient.Version.HTTP_1_1, pki.jdkClientContext(false))
                    .token("s3cret").get("/api/v1/admin")).isInstanceOf(AssertionError.class)
                    // TLS 1.3 rejects the client after the client sent its request: the server's bad_certificate
                    // alert arrives, or the TCP reset for the unread request overtakes it. Either way, no answer.
                    .satisfiesAnyOf(t -> assertThat(t).hasStackTraceContaining("bad_certificate"),
                            t -> assertThat(t).hasStackTraceContaining("Connection reset"));
            // The running config, TLS block included, loads back.
            final String dumped = withCert.get("/api/v1/config").body();
            final Config back = ConfigCodec.defaults().readConfig(dumped, false);
            assertThat(back.listeners().get(0).spec()).isEqualTo(cfg.listeners().get(0).spec());
        }
    }
}
