package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.UdpEchoServer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioIoHandler;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixDatagramProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final int[] SIZES = {1, 7, 100, 1400, 9000, 30000, 60000};

    @TempDir
    Path dir;

    private static void needsEpoll() {
        // As the engine chooses its transport: epoll unless it cannot load or the run asks for NIO.
        org.junit.jupiter.api.Assumptions.assumeTrue(Epoll.isAvailable()
                && !"nio".equalsIgnoreCase(System.getProperty("l7mp.transport", "")), "Unix datagrams need epoll");
    }

    private static byte[] payload(int size, int seed) {
        final byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + (i + seed) % 26);
        }
        return b;
    }

    @Test
    void unixDatagramListenerToUdpKeepsBoundaries() throws Exception {
        needsEpoll();
        final Path sock = dir.resolve("l.sock");
        try (UdpEchoServer echo = new UdpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("udp", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("dgram", l -> l.spec(UnixDatagramSpec.listen(sock.toString()))
                             .rule(r -> r.route(rt -> rt.destination("udp"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (UnixDatagramPeer a = new UnixDatagramPeer(dir.resolve("a.sock"), false);
                 UnixDatagramPeer b = new UnixDatagramPeer(dir.resolve("b.sock"), false)) {
                // Several datagrams sent back to back: each comes back whole and alone.
                for (final int size : SIZES) {
                    a.send(sock, payload(size, size));
                }
                for (final int size : SIZES) {
                    assertThat(a.receive(WAIT)).isEqualTo(payload(size, size));
                }
                b.send(sock, "from b".getBytes(US_ASCII));
                assertThat(new String(b.receive(WAIT), US_ASCII)).isEqualTo("from b");
                assertThat(proxy.sessions()).hasSize(2);
                final SessionInfo s = proxy.sessions().stream()
                        .filter(x -> x.metadata().at("/UNIX/peer").asText().equals(a.path().toString()))
                        .findFirst().orElseThrow();
                assertThat(s.name()).startsWith("UNIX-DGRAM:dgram-");
                assertThat(s.metadata().at("/UNIX/filename").asText()).isEqualTo(sock.toString());
                assertThat(s.stats().ingressPackets()).isEqualTo(SIZES.length);
            }
        }
        assertThat(Files.exists(sock)).as("socket file removed on close").isFalse();
    }

    @Test
    void udpListenerToUnixDatagramClusterKeepsBoundaries() throws Exception {
        needsEpoll();
        final Path server = dir.resolve("server.sock");
        try (UnixDatagramPeer echo = new UnixDatagramPeer(server, true);
             L7mp proxy = L7mp.builder()
                     .cluster("dgram", c -> c.spec(UnixDatagramSpec.cluster()).endpoint(server.toString()))
                     .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("dgram"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            client.setSoTimeout(5_000);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("udp").port());
            for (final int size : SIZES) {
                final byte[] p = payload(size, 3);
                client.send(new DatagramPacket(p, p.length, to));
            }
            for (final int size : SIZES) {
                final DatagramPacket reply = new DatagramPacket(new byte[65536], 65536);
                client.receive(reply);
                assertThat(Arrays.copyOf(reply.getData(), reply.getLength())).isEqualTo(payload(size, 3));
            }
            assertThat(proxy.sessions().get(0).destination().peer()).isEqualTo(server.toString());
        }
        // The cluster's own socket files (bound so that the server can answer) are gone with their sessions.
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(files.map(Path::getFileName).map(Path::toString)
                    .filter(n -> n.startsWith("l7mp-" + ProcessHandle.current().pid() + "-"))).isEmpty();
        }
    }

    @Test
    void singletonModeTalksToItsPeer() throws Exception {
        needsEpoll();
        final Path sock = dir.resolve("s.sock");
        try (UnixDatagramPeer peer = new UnixDatagramPeer(dir.resolve("peer.sock"), false);
             L7mp proxy = L7mp.builder()
                     .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                     .listener("dgram", l -> l.spec(UnixDatagramSpec.listen(sock.toString())
                                     .withConnect(peer.path().toString()))
                             .rule(r -> r.route(rt -> rt.destination("echo"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            Await.until(WAIT, "the singleton session", () -> proxy.sessions().size() == 1);
            peer.send(sock, "one".getBytes(US_ASCII));
            peer.send(sock, "two".getBytes(US_ASCII));
            assertThat(new String(peer.receive(WAIT), US_ASCII)).isEqualTo("one");
            assertThat(new String(peer.receive(WAIT), US_ASCII)).isEqualTo("two");
        }
    }

    @Test
    void unixDatagramsNeedEpoll() throws Exception {
        final Path sock = dir.resolve("nio.sock");
        try (L7mp proxy = L7mp.builder()
                .eventLoopGroup(new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()), true)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("dgram", l -> l.spec(UnixDatagramSpec.listen(sock.toString()))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("needs the native epoll transport, but this proxy runs on nio");
        }
    }

    @Test
    void aliasParsesFromYaml() throws Exception {
        needsEpoll();
        final Path sock = dir.resolve("y.sock");
        final Path cfg = Files.writeString(dir.resolve("l7mp.yaml"), String.join("\n",
                "admin: {log_level: info}",
                "listeners:",
                "  - name: dgram",
                "    spec: {protocol: UNIX/dgram, filename: '" + sock + "', options: {idle_timeout: 1}}",
                "    rules:",
                "      - action: {route: {destination: {name: echo, spec: {protocol: Echo}}}}",
                ""));
        try (L7mp proxy = L7mp.load(cfg);
             UnixDatagramPeer peer = new UnixDatagramPeer(dir.resolve("p.sock"), false)) {
            proxy.start().get(5, SECONDS);
            peer.send(sock, "ping".getBytes(US_ASCII));
            assertThat(new String(peer.receive(WAIT), US_ASCII)).isEqualTo("ping");
            Await.until(WAIT, "the idle session to end", () -> proxy.sessions().isEmpty());
        }
    }
}
