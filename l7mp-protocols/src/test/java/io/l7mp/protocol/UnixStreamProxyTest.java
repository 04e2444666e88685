package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.testing.Await;
import io.l7mp.testing.TcpEchoServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixStreamProxyTest {
    @TempDir
    Path dir;

    /** Writes {@code msg} on a Unix stream connection and reads as many bytes back. */
    static String roundTrip(SocketChannel c, String msg) throws Exception {
        c.write(ByteBuffer.wrap(msg.getBytes(US_ASCII)));
        final ByteBuffer in = ByteBuffer.allocate(msg.length());
        final long end = System.nanoTime() + SECONDS.toNanos(5);
        while (in.hasRemaining()) {
            if (c.read(in) < 0 || System.nanoTime() > end) {
                break;
            }
        }
        return new String(in.array(), 0, in.position(), US_ASCII);
    }

    private static L7mp unixToTcp(Path sock, int tcpPort, Consumer<io.l7mp.L7mpBuilder> extra) {
        final io.l7mp.L7mpBuilder b = L7mp.builder()
                .cluster("tcp", c -> c.spec(TcpSpec.port(tcpPort)).endpoint("127.0.0.1"))
                .listener("unix", l -> l.spec(UnixSpec.listen(sock.toString()))
                        .rule(r -> r.route(rt -> rt.destination("tcp"))));
        extra.accept(b);
        return b.build();
    }

    private void unixListenerForwardsToTcp(Consumer<io.l7mp.L7mpBuilder> extra, String transport) throws Exception {
        final Path sock = dir.resolve("in.sock");
        try (TcpEchoServer echo = new TcpEchoServer();
             L7mp proxy = unixToTcp(sock, echo.port(), extra)) {
            proxy.start().get(5, SECONDS);
            assertThat(proxy.transport().name()).isEqualTo(transport);
            assertThat(Files.exists(sock)).isTrue();
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                assertThat(roundTrip(client, "hello over unix")).isEqualTo("hello over unix");
                final SessionInfo s = proxy.sessions().get(0);
                assertThat(s.name()).isEqualTo("UNIX:unix-0");
                assertThat(s.metadata().at("/UNIX/filename").asText()).isEqualTo(sock.toString());
                assertThat(s.metadata().size()).isEqualTo(1);
            }
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
        assertThat(Files.exists(sock)).as("socket file removed on close").isFalse();
    }

    @Test
    void unixListenerForwardsToTcpOnEpoll() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.epoll.Epoll.isAvailable()
                && !"nio".equalsIgnoreCase(System.getProperty("l7mp.transport", "")));
        unixListenerForwardsToTcp(b -> { }, "epoll");
    }

    @Test
    void unixListenerForwardsToTcpOnNio() throws Exception {
        final EventLoopGroup nio = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        unixListenerForwardsToTcp(b -> b.eventLoopGroup(nio, true), "nio");
    }

    private void tcpListenerForwardsToUnix(Consumer<io.l7mp.L7mpBuilder> extra) throws Exception {
        final Path sock = dir.resolve("echo.sock");
        final io.l7mp.L7mpBuilder b = L7mp.builder()
                .cluster("unix", c -> c.spec(UnixSpec.cluster()).endpoint(sock.toString()))
                .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("unix"))));
        extra.accept(b);
        try (UnixEchoServer echo = new UnixEchoServer(sock);
             L7mp proxy = b.build();
             Socket client = new Socket()) {
            proxy.start().get(5, SECONDS);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port()), 5_000);
            client.setSoTimeout(5_000);
            final OutputStream out = client.getOutputStream();
            final InputStream in = client.getInputStream();
            final byte[] big = "0123456789abcdef".repeat(8192).getBytes(US_ASCII);
            out.write(big);
            out.flush();
            assertThat(in.readNBytes(big.length)).isEqualTo(big);
            assertThat(proxy.sessions().get(0).destination().peer()).isEqualTo(sock.toString());
        }
    }

    @Test
    void tcpListenerForwardsToUnixCluster() throws Exception {
        tcpListenerForwardsToUnix(b -> { });
    }

    @Test
    void tcpListenerForwardsToUnixClusterOnNio() throws Exception {
        final EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        tcpListenerForwardsToUnix(b -> b.eventLoopGroup(nio, true));
    }

    @Test
    void staleSocketFileIsReplaced() throws Exception {
        final Path sock = dir.resolve("stale.sock");
        // The JDK leaves the file behind when a server socket closes, as a crashed process would.
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(sock)).close();
        assertThat(Files.exists(sock)).isTrue();
        try (TcpEchoServer echo = new TcpEchoServer();
             L7mp proxy = unixToTcp(sock, echo.port(), b -> { })) {
            proxy.start().get(5, SECONDS);
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                assertThat(roundTrip(client, "fresh")).isEqualTo("fresh");
            }
        }
    }

    @Test
    void liveSocketOrOtherFileIsNotTouched() throws Exception {
        final Path live = dir.resolve("live.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(live));
            try (L7mp proxy = unixToTcp(live, 9, b -> { })) {
                assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("in use by another listening socket");
            }
            assertThat(Files.exists(live)).isTrue();
        }
        final Path file = Files.writeString(dir.resolve("plain.txt"), "data");
        try (L7mp proxy = unixToTcp(file, 9, b -> { })) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("exists and is not a socket");
        }
        assertThat(Files.readString(file)).isEqualTo("data");
    }

    @Test
    void deletingTheListenerRemovesItsSocketFile() throws Exception {
        final Path sock = dir.resolve("del.sock");
        try (L7mp proxy = unixToTcp(sock, 9, b -> { })) {
            proxy.start().get(5, SECONDS);
            assertThat(Files.exists(sock)).isTrue();
            proxy.deleteListener("unix", false).get(5, SECONDS);
            assertThat(Files.exists(sock)).isFalse();
        }
    }

    @Test
    void yamlConfigNamesTheListenerPath() throws Exception {
        final Path sock = dir.resolve("y.sock");
        final Path cfg = Files.writeString(dir.resolve("l7mp.yaml"), String.join("\n",
                "admin: {log_level: info}",
                "listeners:",
                "  - name: unix",
                "    spec: {protocol: UnixDomainSocket, filename: '" + sock + "'}",
                "    rules:",
                "      - action: {route: {destination: {name: echo, spec: {protocol: Echo}}}}",
                ""));
        try (L7mp proxy = L7mp.load(cfg)) {
            proxy.start().get(5, SECONDS);
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                assertThat(roundTrip(client, "yaml")).isEqualTo("yaml");
            }
            assertThat(proxy.codec().toYaml(proxy.config())).contains("filename: " + sock);
        }
    }
}
