package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.spec.RetryOn;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.Ref;
import io.l7mp.testing.Await;
import io.l7mp.testing.TcpEchoServer;
import io.l7mp.testing.UdpEchoServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpProxyTest {
    static String exchange(Socket s, String msg) throws IOException {
        s.setSoTimeout(5_000);
        s.getOutputStream().write(msg.getBytes(US_ASCII));
        s.getOutputStream().flush();
        final byte[] buf = new byte[msg.length() + 64];
        int got = 0;
        final InputStream in = s.getInputStream();
        while (got < msg.length()) {
            final int n = in.read(buf, got, buf.length - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return new String(buf, 0, got, US_ASCII);
    }

    /** Sends {@code msg} and reads exactly {@code answerLength} bytes: an echo server's prefix may arrive apart. */
    static String exchange(Socket s, String msg, int answerLength) throws IOException {
        s.setSoTimeout(5_000);
        s.getOutputStream().write(msg.getBytes(US_ASCII));
        s.getOutputStream().flush();
        return new String(s.getInputStream().readNBytes(answerLength), US_ASCII);
    }

    static Socket connect(L7mp proxy, String listener) throws IOException {
        return new Socket("127.0.0.1", proxy.listener(listener).port());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void bytesGoThroughToATcpBackendAndBack() throws Exception {
        try (TcpEchoServer echo = new TcpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = connect(proxy, "in")) {
                assertThat(exchange(s, "hello")).isEqualTo("hello");
                final String big = "y".repeat(1 << 20);
                assertThat(exchange(s, big)).isEqualTo(big);
                final SessionInfo info = proxy.sessions().get(0);
                assertThat(info.name()).startsWith("TCP:127.0.0.1:" + s.getLocalPort());
                assertThat(info.metadata().at("/TCP/src_port").asInt()).isEqualTo(s.getLocalPort());
                assertThat(info.destination().endpoint()).isNotNull();
            }
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
            assertThat(proxy.cluster("up").stats().ingressBytes()).isEqualTo(5 + (1 << 20));
            // An ended session's counts stay with the endpoint it used too, and are counted once.
            assertThat(proxy.cluster("up").endpoints()).singleElement()
                    .satisfies(e -> assertThat(e.stats().ingressBytes()).isEqualTo(5 + (1 << 20)))
                    .satisfies(e -> assertThat(e.stats().sessions()).isEqualTo(1));
        }
    }

    @Test
    void deletingASessionClosesTheClient() throws Exception {
        try (TcpEchoServer echo = new TcpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = connect(proxy, "in")) {
                assertThat(exchange(s, "x")).isEqualTo("x");
                proxy.deleteSession(proxy.sessions().get(0).name()).get(5, SECONDS);
                s.setSoTimeout(5_000);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
                assertThat(proxy.sessions()).isEmpty();
            }
        }
    }

    @Test
    void retryReachesABackendThatComesUpLate() throws Exception {
        final int port = freePort();
        final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(port)).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up").retryOn(RetryOn.ALWAYS).numRetries(10)
                                .timeout(Duration.ofMillis(200)))))
                .build()) {
            proxy.start().get(5, SECONDS);
            proxy.subscribe(e -> events.add(e.event()));
            try (Socket s = connect(proxy, "in")) {
                s.getOutputStream().write("early".getBytes(US_ASCII));
                Await.until(Duration.ofSeconds(5), "a retry", () -> events.contains("RETRY"));
                try (TcpEchoServer late = new TcpEchoServer(port, "")) {
                    assertThat(exchange(s, "")).isEmpty();
                    final byte[] b = new byte[5];
                    s.setSoTimeout(5_000);
                    int got = 0;
                    while (got < 5) {
                        got += s.getInputStream().read(b, got, 5 - got);
                    }
                    assertThat(new String(b, US_ASCII)).isEqualTo("early");
                    assertThat(late.accepted()).isEqualTo(1);
                    assertThat(proxy.sessions().get(0).stats().retries()).isPositive();
                }
            }
        }
    }

    /** A refused connect attempt gives its socket back: a backend that is down must not use up file descriptors. */
    @Test
    void refusedConnectsDoNotKeepFileDescriptors() throws Exception {
        final int attempts = 200;
        final int port = freePort();
        final com.sun.management.UnixOperatingSystemMXBean os = (com.sun.management.UnixOperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(port)).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up")
                                .retryOn(RetryOn.ALWAYS).numRetries(1).timeout(Duration.ofMillis(10)))))
                .build()) {
            proxy.start().get(5, SECONDS);
            final long before = os.getOpenFileDescriptorCount();
            for (int i = 0; i < attempts / 2; i++) {
                try (Socket s = connect(proxy, "in")) {
                    s.setSoTimeout(5_000);
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                }
            }
            Await.until(Duration.ofSeconds(5), "no session left", () -> proxy.sessions().isEmpty());
            assertThat(os.getOpenFileDescriptorCount() - before)
                    .as("file descriptors still open after %d refused connects", attempts)
                    .isLessThan(attempts / 4);
        }
    }

    @Test
    void retryOnNeverFailsFastAndKeepsNothing() throws Exception {
        final int port = freePort();
        try (L7mp proxy = L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(port)).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = connect(proxy, "in")) {
                s.setSoTimeout(1_000);
                final long t0 = System.nanoTime();
                assertThat(s.getInputStream().read()).isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            }
            Await.until(Duration.ofSeconds(2), "no session left", () -> proxy.sessions().isEmpty());
            assertThat(proxy.listener("in").stats().errors()).isEqualTo(1);
        }
    }

    @Test
    void disconnectedBackendIsReconnectedWithRetryOnDisconnect() throws Exception {
        try (TcpEchoServer echo = new TcpEchoServer(0, "");
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up").retryOn(RetryOn.DISCONNECT).numRetries(3)
                                     .timeout(Duration.ofMillis(500)))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = connect(proxy, "in")) {
                assertThat(exchange(s, "one")).isEqualTo("one");
                echo.dropConnections();
                Await.until(Duration.ofSeconds(5), "a reconnect", () -> echo.accepted() == 2);
                Await.until(Duration.ofSeconds(5), "the session to be connected again",
                        () -> proxy.sessions().get(0).status() == io.l7mp.SessionStatus.CONNECTED);
                assertThat(exchange(s, "two")).isEqualTo("two");
            }
        }
    }

    /**
     * An upstream that accepts and hangs up at once is reconnected {@code num_retries} times, then the session ends:
     * a reconnect that worked must not renew the budget, or the proxy reconnects for as long as the client stays,
     * as fast as it can (hundreds of thousands of connects a minute, a core busy on them).
     */
    @Test
    void anUpstreamThatKeepsHangingUpIsReconnectedNumRetriesTimes() throws Exception {
        final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket backend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up").retryOn(RetryOn.DISCONNECT).numRetries(2)
                                     .timeout(Duration.ofMillis(200)))))
                     .build()) {
            final Thread hangUp = new Thread(() -> {
                try {
                    while (true) {
                        backend.accept().close();
                        accepted.incrementAndGet();
                    }
                } catch (IOException e) {
                    // The test closed the backend.
                }
            });
            hangUp.start();
            proxy.start().get(5, SECONDS);
            try (Socket s = connect(proxy, "in")) {
                s.setSoTimeout(5_000);
                assertThat(s.getInputStream().read()).as("the session's end after the reconnects").isEqualTo(-1);
            }
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
            assertThat(accepted.get()).as("connects: the first and num_retries reconnects").isLessThanOrEqualTo(3);
            backend.close();
            hangUp.join(5_000);
        }
    }

    /**
     * An upstream that sent its whole answer, shut its output and then reset the connection (it did not read the rest
     * of the request) has its answer delivered whole to a client that reads slowly and is still sending: the failed
     * write of the request ended the session as a failure before, which dropped the answer's queued end behind a FIN
     * that looked like its real end. The cluster binds its source address, so the upstream runs on a Netty channel,
     * which does not report the reset by itself: the failed write does.
     */
    @Test
    void anAnswerEndedByAResetAfterItsHalfCloseArrivesWhole() throws Exception {
        final int size = 60_000;
        final byte[] answer = new byte[size];
        for (int i = 0; i < size; i++) {
            answer[i] = (byte) (i % 251);
        }
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(new TcpSpec("TCP", backend.getLocalPort(), null,
                             new HostPort("127.0.0.1", 0))).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build();
             Socket client = new Socket()) {
            proxy.start().get(5, SECONDS);
            // A small window: most of the answer waits in the proxy until the client reads.
            client.setReceiveBufferSize(4096);
            client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("in").port()), 5_000);
            client.getOutputStream().write("request".getBytes(US_ASCII));
            try (Socket b = backend.accept()) {
                b.getOutputStream().write(answer);
                b.shutdownOutput();
                Await.until(Duration.ofSeconds(5), "the answer's end to reach the proxy", () ->
                        proxy.sessions().get(0).events().stream().anyMatch(e -> e.event().equals("HALF-CLOSE")));
                b.setSoLinger(true, 0);
            }
            // The upstream is gone: writing the rest of the request to it fails.
            Await.until(Duration.ofSeconds(5), "the session to see the upstream fail", () -> {
                try {
                    client.getOutputStream().write("more".getBytes(US_ASCII));
                } catch (final IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return proxy.sessions().isEmpty() || proxy.sessions().get(0).status()
                        != io.l7mp.SessionStatus.CONNECTED;
            });
            client.setSoTimeout(5_000);
            assertThat(client.getInputStream().readAllBytes()).isEqualTo(answer);
        }
    }

    @Test
    void changingARouteReroutesLiveSessions() throws Exception {
        try (UdpEchoServer a = new UdpEchoServer("127.0.0.1", "A:");
             UdpEchoServer b = new UdpEchoServer("127.0.0.1", "B:");
             L7mp proxy = L7mp.builder()
                     .cluster("a", c -> c.spec(UdpSpec.port(a.port())).endpoint("127.0.0.1"))
                     .cluster("b", c -> c.spec(UdpSpec.port(b.port())).endpoint("127.0.0.1"))
                     .route("r", rt -> rt.destination("a"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0)).rule(r -> r.route("r")))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = UdpProxyTest.local(proxy, "in");
            assertThat(UdpProxyTest.roundTrip(client, to, "1")).isEqualTo("A:1");
            final String session = proxy.sessions().get(0).name();
            proxy.replaceRoute(new RouteSpec("r", Ref.to("b"), null, null, null)).get(5, SECONDS);
            Await.until(Duration.ofSeconds(5), "the session on the new route",
                    () -> "b".equals(proxy.session(session).destination().origin())
                            && proxy.session(session).status() == io.l7mp.SessionStatus.CONNECTED);
            assertThat(UdpProxyTest.roundTrip(client, to, "2")).isEqualTo("B:2");
            assertThat(proxy.sessions()).extracting(SessionInfo::name).containsExactly(session);
        }
    }

    @Test
    void udpIntoTcpWarnsOncePerSessionThatBoundariesAreLost() throws Exception {
        try (TcpEchoServer echo = new TcpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            proxy.start().get(5, SECONDS);
            assertThat(UdpProxyTest.roundTrip(client, UdpProxyTest.local(proxy, "in"), "dgram")).isEqualTo("dgram");
            UdpProxyTest.roundTrip(client, UdpProxyTest.local(proxy, "in"), "again");
            assertThat(proxy.sessions().get(0).events()).filteredOn(e -> e.event().equals("WARNING")).hasSize(1)
                    .first().satisfies(e -> assertThat(e.content()).contains("boundaries"));
        }
    }

    /** The client half-closes after its request; the backend answers only once it has seen the end of the request. */
    @Test
    void halfCloseIsPassedOnBothWays() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final java.util.concurrent.CompletableFuture<Boolean> backendSawFin =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try (Socket b = backend.accept()) {
                            b.setSoTimeout(5_000);
                            final byte[] all = b.getInputStream().readAllBytes();
                            // Answers after the end of the request, then finishes its side too.
                            b.getOutputStream().write(("got " + all.length + " bytes").getBytes(US_ASCII));
                            b.shutdownOutput();
                            return b.getInputStream().read() == -1;
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            try (Socket s = connect(proxy, "in")) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write("request".getBytes(US_ASCII));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), US_ASCII)).isEqualTo("got 7 bytes");
            }
            assertThat(backendSawFin.get(5, SECONDS)).isTrue();
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }

    /**
     * Sessions that ended after a half-close are garbage: nothing (the half-close idle timer was the culprit) keeps
     * them reachable afterwards. Counted with the JVM's class histogram, which collects garbage first.
     */
    @Test
    void sessionsEndedAfterAHalfCloseAreNotKeptReachable() throws Exception {
        final int connections = 200;
        try (TcpEchoServer echo = new TcpEchoServer();
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            for (int i = 0; i < connections; i++) {
                try (Socket s = connect(proxy, "in")) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write("ping".getBytes(US_ASCII));
                    s.shutdownOutput();
                    assertThat(new String(s.getInputStream().readAllBytes(), US_ASCII)).isEqualTo("ping");
                }
            }
            Await.until(Duration.ofSeconds(5), "the sessions to end", () -> proxy.sessions().isEmpty());
            assertThat(liveInstances("io.l7mp.internal.engine.SessionImpl"))
                    .as("session objects still reachable after %d ended sessions", connections)
                    .isLessThan(connections / 4);
        }
    }

    /** A proxy whose only route goes to a port nothing listens on and retries it 5 times, 30 s apart. */
    private static L7mp retryingToARefusingPort() throws IOException {
        final int refusing;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            refusing = probe.getLocalPort();
        }
        return L7mp.builder()
                .cluster("up", c -> c.spec(TcpSpec.port(refusing)).endpoint("127.0.0.1"))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("up").retryOn(RetryOn.ALWAYS).numRetries(5)
                                .timeout(Duration.ofSeconds(30)))))
                .build();
    }

    /**
     * A session that ends while it waits to retry its connect (deleted here; a client's FIN alone does not end it, as
     * the client may still wait for an answer) is not kept by the retry's timer.
     */
    @Test
    void sessionsEndedWhileWaitingToRetryAreNotKeptReachable() throws Exception {
        final int connections = 40;
        try (L7mp proxy = retryingToARefusingPort()) {
            proxy.start().get(5, SECONDS);
            final List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < connections; i++) {
                    clients.add(connect(proxy, "in"));
                }
                Await.until(Duration.ofSeconds(10), "every session to wait for its retry",
                        () -> proxy.sessions().size() == connections
                                && proxy.sessions().stream().allMatch(x -> x.stats().retries() > 0));
                for (final SessionInfo x : proxy.sessions()) {
                    proxy.deleteSession(x.name()).get(5, SECONDS);
                }
                Await.until(Duration.ofSeconds(10), "the sessions to end", () -> proxy.sessions().isEmpty());
            } finally {
                for (final Socket c : clients) {
                    c.close();
                }
            }
            assertThat(liveInstances("io.l7mp.internal.engine.SessionImpl"))
                    .as("session objects still reachable after %d sessions ended waiting to retry", connections)
                    .isLessThan(connections / 4);
        }
    }

    /**
     * Replacing the route of a session that still waits to retry a dead destination moves it to the new destination at
     * once, and its old retries stop; a session on another route to the dead destination keeps retrying.
     */
    @Test
    void aSessionWaitingToRetryMovesWhenItsRouteChanges() throws Exception {
        final int refusing = freePort();
        try (TcpEchoServer b = new TcpEchoServer(0, "B:");
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(refusing)).endpoint("127.0.0.1"))
                     .cluster("b", c -> c.spec(TcpSpec.port(b.port())).endpoint("127.0.0.1"))
                     .route("r", rt -> rt.destination("up").retryOn(RetryOn.ALWAYS).numRetries(100)
                             .timeout(Duration.ofMillis(100)))
                     .route("other", rt -> rt.destination("up").retryOn(RetryOn.ALWAYS).numRetries(100)
                             .timeout(Duration.ofMillis(100)))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0)).rule(r -> r.route("r")))
                     .listener("in2", l -> l.spec(TcpSpec.bind("127.0.0.1", 0)).rule(r -> r.route("other")))
                     .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket moving = connect(proxy, "in"); Socket waiting = connect(proxy, "in2")) {
                Await.until(Duration.ofSeconds(10), "both sessions to retry",
                        () -> proxy.sessions().size() == 2
                                && proxy.sessions().stream().allMatch(x -> x.stats().retries() > 0));
                final SessionInfo before = proxy.sessions().stream()
                        .filter(x -> x.metadata().at("/TCP/src_port").asInt() == moving.getLocalPort())
                        .findFirst().orElseThrow();
                final String other = proxy.sessions().stream().filter(x -> !x.name().equals(before.name()))
                        .findFirst().orElseThrow().name();
                proxy.replaceRoute(RouteSpec.builder("r").destination("b").build()).get(5, SECONDS);
                assertThat(exchange(moving, "hi", 4)).isEqualTo("B:hi");
                // Let the other session retry a few more times: a retry the move left behind would have run by then.
                final long retries = proxy.session(other).stats().retries();
                Await.until(Duration.ofSeconds(10), "the other session to keep retrying",
                        () -> proxy.session(other).stats().retries() >= retries + 3);
                final SessionInfo after = proxy.session(before.name());
                assertThat(after.status()).isEqualTo(io.l7mp.SessionStatus.CONNECTED);
                assertThat(after.destination().origin()).isEqualTo("b");
                final List<String> events = after.events().stream().map(e -> e.event()).toList();
                assertThat(events.subList(events.indexOf("REROUTE"), events.size())).doesNotContain("RETRY");
            }
        }
    }

    /**
     * A client that resets its connection while the session still waits to connect upstream ends the session at once;
     * one that only half-closed may still wait for an answer, so its session keeps waiting.
     */
    @Test
    void aClientThatResetsBeforeTheConnectEndsItsSession() throws Exception {
        try (L7mp proxy = retryingToARefusingPort();
             Socket resetting = new Socket();
             Socket halfClosing = new Socket()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            resetting.connect(to, 5_000);
            halfClosing.connect(to, 5_000);
            Await.until(Duration.ofSeconds(10), "both sessions to wait for their retry",
                    () -> proxy.sessions().size() == 2
                            && proxy.sessions().stream().allMatch(x -> x.stats().retries() > 0));
            final String kept = proxy.sessions().stream()
                    .filter(x -> x.metadata().at("/TCP/src_port").asInt() == halfClosing.getLocalPort())
                    .findFirst().orElseThrow().name();
            halfClosing.shutdownOutput();
            resetting.setSoLinger(true, 0);
            resetting.close();
            Await.until(Duration.ofSeconds(10), "the reset client's session to end",
                    () -> proxy.sessions().size() == 1);
            assertThat(proxy.sessions()).extracting(SessionInfo::name).containsExactly(kept);
        }
    }

    /** Instances of {@code className} that survive a full collection, from the HotSpot class histogram. */
    static long liveInstances(String className) throws Exception {
        final String histogram = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        for (final String line : histogram.split("\n")) {
            final String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].equals(className)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }

    /**
     * An answer far larger than the socket buffers, sent after the client's half-close, arrives whole: the proxy keeps
     * writing to a client whose input ended (Netty's epoll transport used to drop the socket from epoll then).
     */
    @Test
    void aLargeAnswerAfterTheClientsHalfCloseArrivesWhole() throws Exception {
        final int size = 8 << 20;
        try (ServerSocket backend = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             L7mp proxy = L7mp.builder()
                     .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("up"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            // A few rounds: whether the proxy finds the client's socket full right after the half-close varies.
            for (int round = 0; round < 4; round++) {
                final java.util.concurrent.CompletableFuture<Void> backendDone =
                        java.util.concurrent.CompletableFuture.runAsync(() -> {
                            try (Socket b = backend.accept()) {
                                b.setSoTimeout(5_000);
                                b.getInputStream().readAllBytes();
                                final byte[] chunk = new byte[64 * 1024];
                                for (int off = 0; off < size; off += chunk.length) {
                                    for (int i = 0; i < chunk.length; i++) {
                                        chunk[i] = (byte) ((off + i) % 251);
                                    }
                                    b.getOutputStream().write(chunk);
                                }
                                b.shutdownOutput();
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                try (Socket s = new Socket()) {
                    // A small receive buffer: the proxy soon finds the client's socket full and must wait to write.
                    s.setReceiveBufferSize(16 * 1024);
                    s.connect(UdpProxyTest.local(proxy, "in"), 5_000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("request".getBytes(US_ASCII));
                    s.shutdownOutput();
                    final InputStream in = s.getInputStream();
                    final byte[] buf = new byte[8192];
                    long got = 0;
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] != (byte) ((got + i) % 251)) {
                                throw new AssertionError("byte " + (got + i) + " differs");
                            }
                        }
                        got += n;
                    }
                    assertThat(got).as("bytes of the answer").isEqualTo(size);
                }
                backendDone.get(10, SECONDS);
            }
            Await.until(Duration.ofSeconds(5), "the session to end", () -> proxy.sessions().isEmpty());
        }
    }
}
