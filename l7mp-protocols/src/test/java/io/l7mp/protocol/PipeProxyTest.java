package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipeProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private Path mkfifo(String name) throws Exception {
        final Path p = dir.resolve(name);
        final Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(mk.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(mk.exitValue()).isZero();
        return p;
    }

    @Test
    void pipeListenerEmitsOneSessionPerPeer() throws Exception {
        final Path in = mkfifo("in.fifo");
        final Path out = mkfifo("out.fifo");
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("pipe", l -> l.spec(PipeSpec.of(in.toString(), out.toString()))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            for (int round = 0; round < 2; round++) {
                // Opening blocks until the proxy has opened the other ends: the proxy opens both at once.
                try (OutputStream w = new FileOutputStream(in.toFile());
                     InputStream r = new FileInputStream(out.toFile())) {
                    final String msg = "round " + round + "\n";
                    w.write(msg.getBytes(US_ASCII));
                    w.flush();
                    // Not readNBytes: JDK 17's FileInputStream.readNBytes seeks, which a FIFO refuses.
                    final byte[] back = new byte[msg.length()];
                    new DataInputStream(r).readFully(back);
                    assertThat(new String(back, US_ASCII)).isEqualTo(msg);
                    final SessionInfo s = proxy.sessions().get(0);
                    assertThat(s.name()).isEqualTo("PIPE:pipe-" + round);
                    assertThat(s.metadata().at("/PIPE/input").asText()).isEqualTo(in.toString());
                    assertThat(s.metadata().at("/PIPE/output").asText()).isEqualTo(out.toString());
                }
                // The peer closed its writing end: end of input ends the session.
                Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    @Test
    void tcpToPipeClusterWithCatAsThePeer() throws Exception {
        final Path toCat = mkfifo("to-cat.fifo");
        final Path fromCat = mkfifo("from-cat.fifo");
        // The peer is a real process that reads what the proxy writes and writes back what it reads.
        final Process cat = new ProcessBuilder("sh", "-c", "exec cat < \"$0\" > \"$1\"", toCat.toString(),
                fromCat.toString()).start();
        try (L7mp proxy = L7mp.builder()
                .cluster("pipe", c -> c.spec(PipeSpec.of(fromCat.toString(), toCat.toString())))
                .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("pipe"))))
                .build();
             Socket client = new Socket()) {
            proxy.start().get(5, SECONDS);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port()), 5_000);
            client.setSoTimeout(5_000);
            final byte[] data = "through a named pipe\n".repeat(1000).getBytes(US_ASCII);
            client.getOutputStream().write(data);
            assertThat(client.getInputStream().readNBytes(data.length)).isEqualTo(data);
            assertThat(proxy.sessions().get(0).destination().peer())
                    .isEqualTo("<" + fromCat + " >" + toCat);
        } finally {
            // The session's end closed the FIFO cat reads: it exits on its own.
            assertThat(cat.waitFor(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void missingFifoIsCreatedAndOtherFilesAreRefused() throws Exception {
        final Path created = dir.resolve("made-by-proxy.fifo");
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("pipe", l -> l.spec(PipeSpec.of(created.toString(), null))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            assertThat(Files.exists(created)).isTrue();
            assertThat(Files.isRegularFile(created)).isFalse();
        }
        final Path plain = Files.writeString(dir.resolve("plain.txt"), "keep me");
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("pipe", l -> l.spec(PipeSpec.of(plain.toString(), null))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            assertThatThrownBy(() -> proxy.start().get(5, SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("exists and is not a FIFO");
        }
        assertThat(Files.readString(plain)).isEqualTo("keep me");
    }

    @Test
    void clusterWithoutPeerTimesOut() throws Exception {
        final Path lonely = mkfifo("lonely.fifo");
        try (L7mp proxy = L7mp.builder()
                .cluster("pipe", c -> c.spec(PipeSpec.of(null, lonely.toString())))
                .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("pipe").timeout(Duration.ofMillis(300)))))
                .build();
             Socket client = new Socket()) {
            proxy.start().get(5, SECONDS);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port()), 5_000);
            client.setSoTimeout(5_000);
            assertThat(client.getInputStream().read()).as("closed when nobody opens the FIFO").isEqualTo(-1);
        }
    }

    @Test
    void specNeedsAPath() {
        assertThatThrownBy(() -> PipeSpec.of(null, null)).hasMessageStartingWith("input: missing");
    }
}
