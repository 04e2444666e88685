package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.testing.Await;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForkProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    /** Returns a started proxy: TCP listener -> STDIO-fork cluster. */
    private static L7mp tcpTo(ForkSpec fork) throws Exception {
        final L7mp proxy = L7mp.builder()
                .cluster("proc", c -> c.spec(fork))
                .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("proc"))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    private static Socket connect(L7mp proxy) throws Exception {
        final Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port()), 5_000);
        s.setSoTimeout(5_000);
        return s;
    }

    private static long pidOf(SessionInfo s) {
        // The stage describes itself as "pid <n> (<command>)".
        final String peer = s.destination().peer();
        assertThat(peer).startsWith("pid ");
        return Long.parseLong(peer.substring(4, peer.indexOf(' ', 4)));
    }

    @Test
    void catEchoesThroughTcp() throws Exception {
        try (L7mp proxy = tcpTo(ForkSpec.of("cat"));
             Socket client = connect(proxy)) {
            final OutputStream out = client.getOutputStream();
            final InputStream in = client.getInputStream();
            out.write("hello cat\n".getBytes(US_ASCII));
            out.flush();
            assertThat(new String(in.readNBytes(10), US_ASCII)).isEqualTo("hello cat\n");
            // More than the pipe and the stage buffers hold, so backpressure has to work both ways.
            final byte[] big = "0123456789".repeat(200_000).getBytes(US_ASCII);
            final Thread writer = new Thread(() -> {
                try {
                    out.write(big);
                    out.flush();
                } catch (final Exception e) {
                    // the assertion below fails instead
                }
            });
            writer.start();
            assertThat(in.readNBytes(big.length)).isEqualTo(big);
            writer.join(5_000);
        }
    }

    @Test
    void trUppercasesUdpDatagrams() throws Exception {
        // tr buffers its output when it is not a terminal; stdbuf makes it write at once.
        try (L7mp proxy = L7mp.builder()
                .cluster("tr", c -> c.spec(ForkSpec.of("stdbuf", "-o0", "tr", "a-z", "A-Z")))
                .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("tr"))))
                .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("udp").port());
            assertThat(UdpProxyTest.roundTrip(client, to, "hello tr")).isEqualTo("HELLO TR");
            assertThat(UdpProxyTest.roundTrip(client, to, "second line")).isEqualTo("SECOND LINE");
        }
    }

    @Test
    void processEndsWithTheSession() throws Exception {
        try (L7mp proxy = tcpTo(ForkSpec.of("cat"))) {
            final long pid;
            try (Socket client = connect(proxy)) {
                client.getOutputStream().write("x".getBytes(US_ASCII));
                assertThat(client.getInputStream().read()).isEqualTo('x');
                pid = pidOf(proxy.sessions().get(0));
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
            }
            Await.until(WAIT, "cat to exit after its session", () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void processThatIgnoresSigtermIsKilled() throws Exception {
        // Ignores SIGTERM (its children inherit that) and never reads stdin, so only SIGKILL ends it.
        final ForkSpec stubborn = new ForkSpec(null, "sh", List.of("-c", "trap '' TERM; echo ready; "
                + "while :; do sleep 1; done"), null, null, 300L);
        try (L7mp proxy = tcpTo(stubborn)) {
            final long pid;
            final long closed;
            try (Socket client = connect(proxy)) {
                assertThat(new String(client.getInputStream().readNBytes(6), US_ASCII)).isEqualTo("ready\n");
                pid = pidOf(proxy.sessions().get(0));
                closed = System.nanoTime();
                // Gone at once (a reset), not a FIN: a FIN would half-close, and sh never reads its stdin.
                client.setSoLinger(true, 0);
            }
            Await.until(WAIT, "sh to be killed", () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertThat(Duration.ofNanos(System.nanoTime() - closed)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
    }

    @Test
    void processExitEndsTheSession() throws Exception {
        try (L7mp proxy = tcpTo(ForkSpec.of("head", "-n", "1"));
             Socket client = connect(proxy)) {
            client.getOutputStream().write("one\ntwo\n".getBytes(US_ASCII));
            final InputStream in = client.getInputStream();
            assertThat(new String(in.readNBytes(4), US_ASCII)).isEqualTo("one\n");
            assertThat(in.read()).as("the connection closes when head exits").isEqualTo(-1);
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    @Test
    void environmentAndWorkingDirectoryReachTheProcess() throws Exception {
        final ForkSpec spec = new ForkSpec("Exec", "sh", List.of("-c", "echo \"$GREETING $L7MP_SESSION $(pwd)\""),
                Map.of("GREETING", "hi"), dir.toString(), null);
        try (L7mp proxy = tcpTo(spec);
             Socket client = connect(proxy)) {
            final String line = new String(client.getInputStream().readAllBytes(), US_ASCII).trim();
            assertThat(line).startsWith("hi TCP:127.0.0.1:" + client.getLocalPort() + "-")
                    .endsWith(" " + dir.toRealPath());
        }
    }

    @Test
    void unknownCommandFailsTheSession() throws Exception {
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp proxy = tcpTo(ForkSpec.of(dir.resolve("no-such-program").toString()));
             AutoCloseable sub = proxy.subscribe(events::add);
             Socket client = connect(proxy)) {
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            Await.until(WAIT, "the error event", () -> events.stream().anyMatch(e -> e.event().equals("ERROR")
                    && String.valueOf(e.content()).contains("cannot start")));
        }
        assertThat(Files.exists(dir.resolve("no-such-program"))).isFalse();
    }
}
