package io.l7mp.examples.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.testing.Await;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone proxy as a real process: flags, exit codes, traffic, SIGTERM. */
class MainTest {
    private static Process start(Path log, String... args) throws IOException {
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void helpAndBadFlags(@TempDir Path dir) throws Exception {
        final Path log = dir.resolve("out");
        final Process help = start(log, "--help");
        assertThat(help.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(help.exitValue()).isZero();
        assertThat(Files.readString(log)).contains("usage:", "-c", "-l", "-s");
        final Process bad = start(log, "--frobnicate");
        assertThat(bad.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
    }

    @Test
    void badConfigFailsWithThePathOfTheField(@TempDir Path dir) throws Exception {
        final Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "listeners: [{name: l, spec: {protocol: UDP, port: 70000}, rules: []}]\n");
        final Path log = dir.resolve("out");
        final Process p = start(log, "-c", cfg.toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("listeners[0].spec.port: 70000 (expected: 0-65535)");
    }

    @Test
    void servesTrafficAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        final int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = probe.getLocalPort();
        }
        final Path cfg = dir.resolve("echo.yaml");
        Files.writeString(cfg, """
                admin: {log_level: info}
                listeners:
                  - name: in
                    spec: {protocol: UDP, address: 127.0.0.1, port: %d}
                    rules: [{action: {route: {destination: {spec: {protocol: Echo}}}}}]
                """.formatted(port));
        final Path log = dir.resolve("out");
        final Process p = start(log, "-c", cfg.toString(), "-l", "info");
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Await.until(Duration.ofSeconds(30), "the proxy to start", () -> read(log).contains("running on"));
            client.setSoTimeout(5_000);
            final byte[] m = "over-the-process".getBytes(US_ASCII);
            client.send(new DatagramPacket(m, m.length, new InetSocketAddress("127.0.0.1", port)));
            final DatagramPacket reply = new DatagramPacket(new byte[100], 100);
            client.receive(reply);
            assertThat(new String(reply.getData(), 0, reply.getLength(), US_ASCII)).isEqualTo("over-the-process");
        } finally {
            p.destroy();  // SIGTERM
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(read(log)).contains("shutting down");
        assertThat(p.exitValue()).isEqualTo(143);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, UTF_8);
        } catch (final IOException e) {
            return "";
        }
    }
}
