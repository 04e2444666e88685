package io.l7mp.rest;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.L7mp;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local files named over the REST API (Unix socket paths, TLS PEM files, log files, Unix endpoint addresses) are
 * refused outside {@code admin.local_dirs} unless {@code admin.allow_local}, inline and nested ones included.
 */
class LocalFilesTest {
    @TempDir
    Path tmp;

    private static L7mp start(AdminSpec admin) throws Exception {
        final L7mp proxy = RestApi.addTo(L7mp.builder(), "127.0.0.1", 0).admin(admin)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    /** Sends a call that must be refused with 403 naming {@code content}; the running config stays as it was. */
    private static void refused(L7mp proxy, Supplier<Api.Reply> call, String content) {
        final JsonNode before = proxy.codec().toTree(proxy.config());
        RestApiTest.assertError(call.get(), 403, "Forbidden", content);
        assertThat(proxy.codec().toTree(proxy.config())).isEqualTo(before);
    }

    private static String echoOverUnixSocket(Path socket, String msg) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(msg.getBytes(US_ASCII)));
            final ByteBuffer in = ByteBuffer.allocate(msg.length());
            for (int i = 0; i < 100 && in.hasRemaining(); i++) {   // bounded: blocking reads end at EOF or data
                if (ch.read(in) < 0) {
                    break;
                }
            }
            return new String(in.array(), 0, in.position(), US_ASCII);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, US_ASCII);
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void withoutLocalDirsEveryLocalFileIsRefusedWherever() throws Exception {
        try (L7mp proxy = start(AdminSpec.DEFAULT)) {
            final Api api = Api.of(proxy);
            final Path sock = tmp.resolve("in.sock");
            refused(proxy, () -> api.postYaml("/api/v1/listeners", """
                    listener: { name: u, spec: { protocol: UnixDomainSocket, filename: "%s" }, rules: [ { action: { route: { destination: echo } } } ] }
                    """.formatted(sock)), "listener.spec.filename: \"" + sock + "\" is a local file; the REST API "
                    + "refuses local files unless admin.local_dirs contains them or admin.allow_local is true");
            refused(proxy, () -> api.postYaml("/api/v1/clusters", """
                    cluster: { name: u, spec: { protocol: UnixDomainSocket }, endpoints: [ { spec: { address: /run/x.sock } } ] }
                    """), "cluster.endpoints[0].spec.address: \"/run/x.sock\" is a local file");
            refused(proxy, () -> api.postYaml("/api/v1/clusters", """
                    cluster: { name: d, spec: { protocol: UNIX/dgram }, endpoints: [ { spec: { address: /run/d.sock } } ] }
                    """), "cluster.endpoints[0].spec.address: \"/run/d.sock\"");
            refused(proxy, () -> api.postYaml("/api/v1/listeners", """
                    listener:
                      name: l
                      spec: { protocol: UDP, port: 0, address: 127.0.0.1 }
                      rules: [ { action: { route: { destination: echo, ingress: [ { spec: { protocol: Logger, log_file: /etc/l7mp.log } } ] } } } ]
                    """), "listener.rules[0].action.route.ingress[0].spec.log_file: \"/etc/l7mp.log\"");
            refused(proxy, () -> api.postYaml("/api/v1/listeners", """
                    listener: { name: t, spec: { protocol: HTTP, port: 0, tls: { cert: /etc/c.pem, key: /etc/k.pem } }, rules: [] }
                    """), "listener.spec.tls.cert: \"/etc/c.pem\"");
            refused(proxy, () -> api.postYaml("/api/v1/clusters", """
                    cluster: { name: t, spec: { protocol: TCP, port: 1, tls: { ca: /etc/ca.pem } }, endpoints: [ { spec: { address: 127.0.0.1 } } ] }
                    """), "cluster.spec.tls.ca: \"/etc/ca.pem\"");
            refused(proxy, () -> api.postYaml("/api/v1/listeners", """
                    listener: { name: j, spec: { protocol: JSONSocket, transport: { protocol: UNIX/dgram, filename: /run/j.sock } }, rules: [] }
                    """), "listener.spec.transport.filename: \"/run/j.sock\"");
            refused(proxy, () -> api.postYaml("/api/v1/clusters", """
                    cluster: { name: j, spec: { protocol: JSONSocket, transport: { protocol: TestLocal } } }
                    """), "cluster.spec.transport.protocol: \"TestLocal\" reaches local resources");
            refused(proxy, () -> api.postYaml("/api/v1/config", """
                    routes: [ { name: r, destination: { spec: { protocol: UnixDomainSocket }, endpoints: [ { spec: { address: s.sock } } ] } } ]
                    """), "routes[0].destination.endpoints[0].spec.address: \"s.sock\"");
            // Files the static config named are fine to refer to by name, and plain Loggers name none.
            RestApiTest.assertOk(api.postYaml("/api/v1/routes", """
                    route: { name: logged, destination: echo, ingress: [ { spec: { protocol: Logger, log_file: stderr } } ] }
                    """));
            // The directory list can only come from the static config or the Java API.
            refused(proxy, () -> api.post("/api/v1/admin", "{\"admin\": {\"local_dirs\": [\"/\"]}}"),
                    "admin.local_dirs: cannot be changed over the REST API");
            refused(proxy, () -> api.postYaml("/api/v1/config", "admin: { local_dirs: [ /tmp ] }"),
                    "admin.local_dirs: cannot be changed over the REST API");
        }
    }

    @Test
    void filesUnderLocalDirsAreAllowedAndWorkOthersAreRefused() throws Exception {
        final Path allowed = Files.createDirectories(tmp.resolve("allowed"));
        final Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(allowed.resolve("link"), outside);
        try (L7mp proxy = start(AdminSpec.DEFAULT.withLocalDirs(List.of(allowed.toString())))) {
            final Api api = Api.of(proxy);
            assertThat(api.get("/api/v1/admin").json().get("local_dirs").get(0).asText()).isEqualTo(allowed.toString());
            final Path sock = allowed.resolve("in.sock");
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                    listener: { name: u, spec: { protocol: UnixDomainSocket, filename: "%s" }, rules: [ { action: { route: { destination: echo } } } ] }
                    """.formatted(sock)));
            assertThat(echoOverUnixSocket(sock, "over unix")).isEqualTo("over unix");

            for (final Path bad : List.of(outside.resolve("x.sock"), allowed.resolve("../outside/y.sock"),
                    allowed.resolve("link/z.sock"), allowed)) {
                refused(proxy, () -> api.postYaml("/api/v1/listeners", """
                        listener: { name: v, spec: { protocol: UnixDomainSocket, filename: "%s" }, rules: [] }
                        """.formatted(bad)), "listener.spec.filename: \"" + bad + "\" is outside admin.local_dirs ["
                        + allowed + "]; the REST API refuses local files elsewhere unless admin.allow_local is true");
            }
            assertThat(Files.exists(outside.resolve("x.sock"))).isFalse();

            // Endpoints added to a Unix cluster are paths too.
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters", """
                    cluster: { name: uc, spec: { protocol: UnixDomainSocket }, endpoints: [ { spec: { address: "%s" } } ] }
                    """.formatted(sock)));
            refused(proxy, () -> api.postYaml("/api/v1/clusters/uc/endpoints",
                    "endpoint: { spec: { address: \"%s\" } }".formatted(outside.resolve("e.sock"))),
                    "endpoint.spec.address: \"" + outside.resolve("e.sock") + "\" is outside admin.local_dirs");
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters/uc/endpoints",
                    "endpoint: { name: e2, spec: { address: \"%s\" } }".formatted(allowed.resolve("e2.sock"))));
            // Other clusters' endpoint addresses are host names, not files.
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters", """
                    cluster: { name: udp, spec: { protocol: UDP, port: 1 }, endpoints: [ { spec: { address: localhost } } ] }
                    """));
            RestApiTest.assertOk(api.postYaml("/api/v1/clusters/udp/endpoints",
                    "endpoint: { spec: { address: \"/etc/passwd\" } }"));

            // A Logger writing into the directory works; the file gets the traffic.
            final Path log = allowed.resolve("l.log");
            RestApiTest.assertOk(api.postYaml("/api/v1/listeners", """
                    listener:
                      name: logged
                      spec: { protocol: UnixDomainSocket, filename: "%s" }
                      rules: [ { action: { route: { destination: echo, ingress: [ { spec: { protocol: Logger, log_file: "%s", log_prefix: t } } ] } } } ]
                    """.formatted(allowed.resolve("logged.sock"), log)));
            assertThat(echoOverUnixSocket(allowed.resolve("logged.sock"), "logged")).isEqualTo("logged");
            Await.until(Duration.ofSeconds(5), "the log line",
                    () -> Files.exists(log) && read(log).contains("t: logged"));
        }
    }

    @Test
    void allowLocalLetsEverythingThrough() throws Exception {
        try (L7mp proxy = start(AdminSpec.DEFAULT.withAllowLocal(true))) {
            final Path sock = tmp.resolve("free.sock");
            RestApiTest.assertOk(Api.of(proxy).postYaml("/api/v1/listeners", """
                    listener: { name: u, spec: { protocol: UnixDomainSocket, filename: "%s" }, rules: [ { action: { route: { destination: echo } } } ] }
                    """.formatted(sock)));
            assertThat(echoOverUnixSocket(sock, "free")).isEqualTo("free");
        }
    }
}
