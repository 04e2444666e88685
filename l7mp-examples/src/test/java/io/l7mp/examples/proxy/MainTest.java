package io.l7mp.examples.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.protocol.WebSocketSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.TcpEchoServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        final Process noLevel = start(log, "-c", "x.yaml", "-l");
        assertThat(noLevel.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(noLevel.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("l7mp: -l needs a value");
        final Process badWarmup = start(log, "-c", "x.yaml", "-w", "soon");
        assertThat(badWarmup.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(badWarmup.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log)).contains("l7mp: --warmup soon: expected milliseconds, 0-60000");
        final Process noFile = start(log, "-c", "/nonexistent/l7mp.yaml");
        assertThat(noFile.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(noFile.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("cannot read config file /nonexistent/l7mp.yaml (no such file)");
    }

    @Test
    void aBadPollTimeSettingIsRefusedLikeABadFlag(@TempDir Path dir) throws Exception {
        final Path cfg = dir.resolve("empty.yaml");
        Files.writeString(cfg, "admin: {log_level: info}\n");
        final Path log = dir.resolve("out");
        final Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dl7mp.spinMicros=soon", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "-c", cfg.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(read(log)).contains("l7mp: -Dl7mp.spinMicros=soon: expected microseconds, 0-1000")
                .doesNotContain("Exception");
    }

    /**
     * {@code -l silent} prints nothing, Netty's own warnings included (it used to set Netty's loggers to info
     * whatever the level, so a host without a MAC address got MacAddressUtil's warning on every start). A malformed
     * {@code io.netty.machineId} makes Netty warn at the proxy's first channel on any host.
     */
    @Test
    void silentMeansNothingOnStderr(@TempDir Path dir) throws Exception {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final Path cfg = dir.resolve("tcp.yaml");
        Files.writeString(cfg, """
                admin: {log_level: info}
                listeners:
                  - {name: t, spec: {protocol: TCP, address: 127.0.0.1, port: %d}, rules: [{action: {route: {destination: e}}}]}
                clusters:
                  - {name: e, spec: {protocol: Echo}}
                """.formatted(port));
        final Path log = dir.resolve("out");
        final Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dio.netty.machineId=not-a-mac", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "-c", cfg.toString(), "-l", "silent").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Await.until(Duration.ofSeconds(30), "the proxy to echo", () -> {
                try (java.net.Socket c = new java.net.Socket("127.0.0.1", port)) {
                    c.setSoTimeout(5_000);
                    c.getOutputStream().write('x');
                    return c.getInputStream().read() == 'x';
                } catch (final IOException e) {
                    return false;
                }
            });
        } finally {
            p.destroy();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log)).isEmpty();
    }

    @Test
    void ignoredUnknownFieldsAreNamedByTheirPath(@TempDir Path dir) throws Exception {
        final Path cfg = dir.resolve("typos.yaml");
        Files.writeString(cfg, """
                listenrs: []
                clusters:
                  - {name: c, colour: red, spec: {protocol: JSONSocket, transport: {protocol: UDP, port: 1, size: 2}}}
                listeners:
                  - {name: l, spec: {protocol: UDP, address: 127.0.0.1, port: 0, mode: x}, rules: [{action: {route: {destination: c, extra: [1]}}}]}
                """);
        final Path log = dir.resolve("out");
        final Process p = start(log, "-c", cfg.toString());
        try {
            Await.until(Duration.ofSeconds(30), "the proxy to run", () -> read(log).contains("running on"));
        } finally {
            p.destroy();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.readString(log)).contains(
                "ignoring unknown field \"listenrs\" at listenrs (strict mode rejects it)",
                "ignoring unknown field \"colour\" at clusters[0].colour ",
                "ignoring unknown field \"size\" at clusters[0].spec.transport.size ",
                "ignoring unknown field \"mode\" at listeners[0].spec.mode ",
                "ignoring unknown field \"extra\" at listeners[0].rules[0].action.route.extra ");
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
    void anEmptyConfigFileIsRefused(@TempDir Path dir) throws Exception {
        final Path cfg = dir.resolve("empty.yaml");
        Files.writeString(cfg, "# nothing here\n\n");
        final Path log = dir.resolve("out");
        final Process p = start(log, "-c", cfg.toString());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("the config file is empty");
    }

    /**
     * l7mp-simple.yaml as it is (ports moved to free ones) at its log level "silly": a UDP peer's datagrams go through
     * the ingress WebSocket cluster to the proxy's stdout, lines typed on its stdin come back through the egress
     * WebSocket cluster to the peer, the log has no stack trace, and SIGTERM ends it.
     */
    @Test
    void l7mpSimpleCarriesAUdpPeerToStdoutAndStdinBack(@TempDir Path dir) throws Exception {
        final Map<Integer, Integer> ports = SharedFiles.ports();
        final Path cfg = dir.resolve("l7mp-simple.yaml");
        Files.writeString(cfg, SharedFiles.config("l7mp-simple.yaml", ports));
        // The "up" cluster's first endpoint, 127.0.0.1:8080: a WebSocket echo service, played by this library.
        try (L7mp ws = L7mp.builder().cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                     .listener("ws", l -> l.spec(WebSocketSpec.bind("127.0.0.1", ports.get(8080)))
                             .rule(r -> r.route(rt -> rt.destination("echo"))))
                     .build();
             DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", ports.get(5555)))) {
            ws.start().get(10, TimeUnit.SECONDS);
            final Path out = dir.resolve("stdout");
            final Path log = dir.resolve("stderr");
            final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "-c",
                    cfg.toString()));
            final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
            try {
                Await.until(Duration.ofSeconds(30), "the proxy to start", () -> read(log).contains("running on"));
                peer.setSoTimeout(10_000);
                final byte[] m = "from the peer\n".getBytes(US_ASCII);
                peer.send(new DatagramPacket(m, m.length, new InetSocketAddress("127.0.0.1", ports.get(9999))));
                Await.until(Duration.ofSeconds(10), "the datagram on stdout",
                        () -> read(out).contains("from the peer"));
                p.getOutputStream().write("typed on stdin\n".getBytes(US_ASCII));
                p.getOutputStream().flush();
                final DatagramPacket back = new DatagramPacket(new byte[100], 100);
                peer.receive(back);
                assertThat(new String(back.getData(), 0, back.getLength(), US_ASCII)).isEqualTo("typed on stdin\n");
            } finally {
                p.destroy();  // SIGTERM
            }
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(143);
            // "silly" is on, yet nothing printed a stack trace (Netty's start-up probes did).
            assertThat(read(log)).contains("DEBUG", "shutting down").doesNotContain("\tat ", "Exception");
        }
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
        final Process p = start(log, "-c", cfg.toString(), "-l", "info", "-w", "1000");
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
        // The warm-up ran before the listeners opened, and its traffic went through.
        assertThat(read(log)).containsPattern("warm-up: [1-9][0-9]* datagrams, [1-9][0-9]* connections")
                .contains("shutting down");
        assertThat(p.exitValue()).isEqualTo(143);
    }

    /** A peer's malformed request shows at the default level, once per window however many the peer sends. */
    @Test
    void badRequestsShowAtInfoButDoNotFloodTheLog(@TempDir Path dir) throws Exception {
        final int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        final Path cfg = dir.resolve("http.yaml");
        Files.writeString(cfg, """
                admin: {log_level: info}
                listeners:
                  - name: web
                    spec: {protocol: HTTP, address: 127.0.0.1, port: %d}
                    rules: [{action: {route: {destination: {spec: {protocol: Echo}}}}}]
                """.formatted(port));
        final Path log = dir.resolve("out");
        final Process p = start(log, "-c", cfg.toString());
        try {
            Await.until(Duration.ofSeconds(30), "the proxy to start", () -> read(log).contains("running on"));
            for (int i = 0; i < 20; i++) {
                try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.getOutputStream().write("GET / HTTP/9.9\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
                    s.setSoTimeout(5_000);
                    assertThat(new String(s.getInputStream().readNBytes(12), US_ASCII)).isEqualTo("HTTP/1.1 505");
                }
            }
            Await.until(Duration.ofSeconds(10), "the bad request in the log",
                    () -> read(log).contains("listener web: bad request from /127.0.0.1:"));
            assertThat(read(log).split("bad request from", -1).length - 1).as("INFO lines for 20 bad requests")
                    .isBetween(1, 2);
        } finally {
            p.destroy();
        }
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    /** A config that routes datagrams into a byte stream is warned about once, not once per session. */
    @Test
    void boundaryLossIsWarnedOncePerListenerAndCluster(@TempDir Path dir) throws Exception {
        final int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (TcpEchoServer echo = new TcpEchoServer()) {
            final Path cfg = dir.resolve("udp-tcp.yaml");
            Files.writeString(cfg, """
                    admin: {log_level: info}
                    listeners:
                      - name: datagrams
                        spec: {protocol: UDP, address: 127.0.0.1, port: %d}
                        rules: [{action: {route: {destination: stream}}}]
                    clusters:
                      - name: stream
                        spec: {protocol: TCP, port: %d}
                        endpoints: [{spec: {address: 127.0.0.1}}]
                    """.formatted(port, echo.port()));
            final Path log = dir.resolve("out");
            final Process p = start(log, "-c", cfg.toString());
            try {
                Await.until(Duration.ofSeconds(30), "the proxy to start",
                        () -> read(log).contains("running on") || !p.isAlive());
                for (int i = 0; i < 5; i++) {
                    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                        s.setSoTimeout(5_000);
                        final byte[] msg = ("hello " + i).getBytes(US_ASCII);
                        s.send(new DatagramPacket(msg, msg.length, InetAddress.getLoopbackAddress(), port));
                        final DatagramPacket in = new DatagramPacket(new byte[100], 100);
                        s.receive(in);
                        assertThat(new String(in.getData(), 0, in.getLength(), US_ASCII)).isEqualTo("hello " + i);
                    }
                }
                assertThat(read(log).split("routed into byte stream", -1).length - 1)
                        .as("warnings for 5 sessions of one listener and cluster").isEqualTo(1);
            } finally {
                p.destroy();
            }
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, UTF_8);
        } catch (final IOException e) {
            return "";
        }
    }
}
