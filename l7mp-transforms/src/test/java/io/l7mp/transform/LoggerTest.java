package io.l7mp.transform;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, UTF_8) : "";
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static L7mp proxy(LoggerSpec in, LoggerSpec out) {
        return L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("log-in", c -> c.spec(in))
                .cluster("log-out", c -> c.spec(out))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("log-in").egress("log-out"))))
                .build();
    }

    @Test
    void passesDataUnchangedAndLogsEachMessageWithItsPrefix(@TempDir Path dir) throws Exception {
        final Path in = dir.resolve("in.log");
        final Path out = dir.resolve("out.log");
        try (L7mp proxy = proxy(LoggerSpec.file(in.toString(), "in"), LoggerSpec.file(out.toString(), "")
                .withFormat("hex"));
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            assertThat(client.roundTrip(to, "hello\n")).isEqualTo("hello\n");
            assertThat(client.roundTrip(to, "world")).isEqualTo("world");
            // l7mp writes "<prefix>: <data>"; a newline is added only where the data has none.
            Await.until(WAIT, "ingress log lines", () -> read(in).equals("in: hello\nin: world\n"));
            Await.until(WAIT, "egress hex dump", () -> read(out).contains("5 bytes"));
            assertThat(read(out)).startsWith("6 bytes\n").contains("68 65 6c 6c 6f 0a").contains("77 6f 72 6c 64");
        }
    }

    @Test
    void aFileIsTruncatedPerSessionAsInL7mpUnlessAppending(@TempDir Path dir) throws Exception {
        final Path trunc = dir.resolve("t.log");
        final Path app = dir.resolve("a.log");
        try (L7mp proxy = proxy(LoggerSpec.file(trunc.toString(), "t"),
                LoggerSpec.file(app.toString(), "a").withAppend(true))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            for (final String msg : new String[] {"one", "two"}) {
                try (Udp client = new Udp()) {
                    assertThat(client.roundTrip(to, msg)).isEqualTo(msg);
                    Await.until(WAIT, "the line of " + msg, () -> read(trunc).contains("t: " + msg));
                    final String session = proxy.sessions().get(0).name();
                    proxy.deleteSession(session).get(5, SECONDS);
                    Await.until(WAIT, "session end", () -> proxy.sessions().isEmpty());
                }
            }
            Await.until(WAIT, "both sessions appended", () -> read(app).equals("a: one\na: two\n"));
            assertThat(read(trunc)).isEqualTo("t: two\n");
        }
    }

    @Test
    void logsToTheProxyLogOrStdoutAndStillPassesData() throws Exception {
        final PrintStream stdout = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, UTF_8));
        // Tests run slf4j-simple at WARN: the info-level logger is off and must cost nothing but the check.
        try (L7mp proxy = proxy(LoggerSpec.log("info", "quiet"), LoggerSpec.stdout("stdout"));
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            for (int i = 0; i < 20; i++) {
                assertThat(client.roundTrip(Udp.of(proxy, "in"), "m" + i)).isEqualTo("m" + i);
            }
            Await.until(WAIT, "20 lines on stdout", () -> captured.toString(UTF_8).lines().count() == 20);
            assertThat(captured.toString(UTF_8)).startsWith("stdout: m0\nstdout: m1\n").endsWith("stdout: m19\n");
        } finally {
            System.setOut(stdout);
        }
    }

    @Test
    void specIsL7mpsWithDefaultsAndOurExtrasAreChecked() {
        final var cfg = ConfigCodec.defaults().readConfig("""
                clusters:
                  - name: logger
                    spec: {protocol: Logger}
                  - name: hex
                    spec: {protocol: Logger, log_file: log, level: DEBUG, format: hex, log_prefix: p}
                """, true);
        assertThat(cfg.clusters().get(0).spec()).isEqualTo(new LoggerSpec("Logger", "-", "", null, null, null));
        assertThat(ConfigCodec.defaults().toTree(cfg.clusters().get(0).spec()).toString())
                .isEqualTo("{\"protocol\":\"Logger\",\"log_file\":\"-\",\"log_prefix\":\"\"}");
        assertThat(((LoggerSpec) cfg.clusters().get(1).spec()).levelOrDefault()).isEqualTo("debug");
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig(
                "clusters: [{name: l, spec: {protocol: Logger, format: binary}}]", true))
                .isInstanceOf(ConfigException.class)
                .hasMessage("clusters[0].spec.format: \"binary\" (expected: text or hex)");
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig(
                "clusters: [{name: l, spec: {protocol: Logger, level: info}}]", true))
                .hasMessage("clusters[0].spec.level: \"info\" (expected: only with log_file: log)");
        assertThat(LoggerSpec.file("/tmp/x", "").writesFile()).isTrue();
        assertThat(LoggerSpec.stdout("").writesFile()).isFalse();
    }
}
