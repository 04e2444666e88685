package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.l7mp.L7mp;
import io.l7mp.testing.Await;
import io.l7mp.testing.conformance.Loops;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How a TCP session ends when one of its peers resets its connection, in each way TCP runs: a reset reaches the other
 * peer as a reset (after what came before it), a FIN as a FIN.
 */
class TcpResetTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** The stages the two sides of a session run on. */
    enum Mode {
        /** Plain TCP on epoll: raw stages on both sides. */
        RAW,
        /** The cluster binds its source address, so the upstream runs on a Netty epoll channel; the listener is raw. */
        CHANNEL_UPSTREAM,
        /** The whole proxy on NIO: Netty channels on both sides, and the JDK's exceptions. */
        NIO;

        boolean available() {
            return this == NIO || Loops.EPOLL.available();
        }
    }

    private static L7mp proxy(Mode mode, int upstreamPort) throws Exception {
        assumeTrue(mode.available(), "epoll");
        final TcpSpec up = mode == Mode.CHANNEL_UPSTREAM
                ? new TcpSpec("TCP", upstreamPort, null, new HostPort("127.0.0.1", 0))
                : TcpSpec.port(upstreamPort);
        final L7mp proxy = L7mp.builder()
                .eventLoopGroup((mode == Mode.NIO ? Loops.NIO : Loops.EPOLL).newGroup(), true)
                .cluster("up", c -> c.spec(up).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up"))))
                .build();
        proxy.start().get(5, SECONDS);
        return proxy;
    }

    private static Socket connect(L7mp proxy) throws IOException {
        final Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", proxy.listener("in").port()), 5_000);
        s.setSoTimeout(5_000);
        return s;
    }

    /** Sends {@code request} through the proxy and has the upstream read it: the session is connected both ways. */
    private static Socket request(ServerSocket backend, Socket client, String request) throws IOException {
        client.getOutputStream().write(request.getBytes(US_ASCII));
        final Socket b = backend.accept();
        b.setSoTimeout(5_000);
        assertThat(new String(b.getInputStream().readNBytes(request.length()), US_ASCII)).isEqualTo(request);
        return b;
    }

    /**
     * An upstream that resets its connection in the middle of its answer: the client gets what the upstream sent
     * before, then a reset, so it can tell that the answer was cut short. It got a FIN before, as if the answer were
     * complete.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void anUpstreamsResetReachesTheClientAsAReset(Mode mode) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(mode, backend.getLocalPort());
             Socket client = connect(proxy)) {
            try (Socket b = request(backend, client, "request")) {
                b.getOutputStream().write("partial".getBytes(US_ASCII));
                b.setSoLinger(true, 0);
            }
            final InputStream in = client.getInputStream();
            assertThat(new String(in.readNBytes(7), US_ASCII)).isEqualTo("partial");
            assertThatThrownBy(in::read).isInstanceOf(SocketException.class).hasMessageContaining("Connection reset");
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /** A client that resets its connection in the middle of its request: the upstream gets a reset, not a FIN. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void aClientsResetReachesTheUpstreamAsAReset(Mode mode) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(mode, backend.getLocalPort());
             Socket client = connect(proxy);
             Socket b = request(backend, client, "request")) {
            client.setSoLinger(true, 0);
            client.close();
            assertThatThrownBy(() -> b.getInputStream().read()).isInstanceOf(SocketException.class)
                    .hasMessageContaining("Connection reset");
            Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /** An upstream that closes cleanly after its answer: the client gets the answer and a FIN, no reset. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void anUpstreamsCleanCloseReachesTheClientAsAFin(Mode mode) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(mode, backend.getLocalPort());
             Socket client = connect(proxy)) {
            try (Socket b = request(backend, client, "request")) {
                b.getOutputStream().write("answer".getBytes(US_ASCII));
            }
            final InputStream in = client.getInputStream();
            assertThat(new String(in.readNBytes(6), US_ASCII)).isEqualTo("answer");
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    /**
     * An upstream that sent its whole answer, shut its output and then reset the connection (it did not read the rest
     * of the request): the client, which reads slowly and is still sending, gets the whole answer and a FIN. Its
     * stage's output was shut already when the session ended, and on Netty channels such a stage closed at once
     * instead of lingering: what the client still sent then reset the connection, which dropped the part of the
     * answer the client's small window had not taken yet (NIO: 4096 of 60,000 bytes).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void anAnswerEndedByAResetAfterItsHalfCloseArrivesWhole(Mode mode) throws Exception {
        final byte[] answer = new byte[60_000];
        for (int i = 0; i < answer.length; i++) {
            answer[i] = (byte) (i % 251);
        }
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(mode, backend.getLocalPort());
             Socket client = new Socket()) {
            // A small window: most of the answer waits in the proxy until the client reads.
            client.setReceiveBufferSize(4096);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("in").port()), 5_000);
            client.setSoTimeout(5_000);
            try (Socket b = request(backend, client, "request")) {
                b.getOutputStream().write(answer);
                b.shutdownOutput();
                Await.until(WAIT, "the answer's end to reach the proxy", () -> proxy.sessions().get(0).events()
                        .stream().anyMatch(e -> e.event().equals("HALF-CLOSE")));
                b.setSoLinger(true, 0);
            }
            // The upstream is gone: writing more of the request to it fails.
            Await.until(WAIT, "the session to see the upstream fail", () -> {
                try {
                    client.getOutputStream().write("more".getBytes(US_ASCII));
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return proxy.sessions().isEmpty()
                        || proxy.sessions().get(0).status() != io.l7mp.SessionStatus.CONNECTED;
            });
            assertThat(client.getInputStream().readAllBytes()).isEqualTo(answer);
        }
    }

    /**
     * An upstream that half-closed (its FIN reached the client) and then resets, while the client keeps its side
     * open, ends the session at once: a Netty channel missed the reset, and the session waited for the half-close
     * idle timeout (30 s). NIO stops watching a socket whose input ended, so it sees such a reset on the next write
     * only.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"RAW", "CHANNEL_UPSTREAM"})
    void anUpstreamsResetAfterItsHalfCloseEndsTheSession(Mode mode) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(mode, backend.getLocalPort());
             Socket client = connect(proxy)) {
            try (Socket b = request(backend, client, "request")) {
                b.getOutputStream().write("answer".getBytes(US_ASCII));
                b.shutdownOutput();
                final InputStream in = client.getInputStream();
                assertThat(new String(in.readNBytes(6), US_ASCII)).isEqualTo("answer");
                assertThat(in.read()).as("the upstream's FIN, passed on").isEqualTo(-1);
                assertThat(proxy.sessions()).hasSize(1);
                b.setSoLinger(true, 0);
            }
            Await.until(WAIT, "the session to end after the upstream's reset", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * As above, with the reset right behind the FIN, so that the proxy often finds both in one wake-up: it reads the
     * end of stream first (the kernel reports it before the error), and must still see the reset. A few rounds, since
     * whether both come in one wake-up varies.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Mode.class, names = {"RAW", "CHANNEL_UPSTREAM"})
    void anUpstreamsResetRightAfterItsFinEndsTheSession(Mode mode) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             L7mp proxy = proxy(mode, backend.getLocalPort())) {
            for (int round = 0; round < 10; round++) {
                try (Socket client = connect(proxy)) {
                    try (Socket b = request(backend, client, "request")) {
                        b.getOutputStream().write("answer".getBytes(US_ASCII));
                        b.shutdownOutput();
                        b.setSoLinger(true, 0);
                    }
                    final InputStream in = client.getInputStream();
                    assertThat(new String(in.readNBytes(6), US_ASCII)).isEqualTo("answer");
                    assertThat(in.read()).as("the upstream's FIN, passed on").isEqualTo(-1);
                    Await.until(WAIT, "the session to end after the upstream's reset (round " + round + ")",
                            () -> proxy.sessions().isEmpty());
                }
            }
        }
    }
}
