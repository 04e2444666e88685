package io.l7mp.transform;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.protocol.HttpSpec;
import io.l7mp.protocol.TcpSpec;
import io.l7mp.testing.Await;
import io.l7mp.testing.conformance.StreamEchoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A half-close travels through local transforms in the chains, as between two directly connected ends. */
class HalfCloseThroughTransformsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void aTcpClientsFinCrossesIngressAndEgressTransformsAndTheRestOfTheEchoComesBack() throws Exception {
        try (StreamEchoServer echo = StreamEchoServer.tcp();
             L7mp proxy = L7mp.builder()
                     .cluster("m-in", c -> c.spec(MetricSpec.of()))
                     .cluster("log-out", c -> c.spec(LoggerSpec.log("trace", "out")))
                     .cluster("up", c -> c.spec(TcpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0)).track(Duration.ofSeconds(30))
                             .rule(r -> r.route(rt -> rt.destination("up").ingress("m-in").egress("log-out"))))
                     .build()) {
            proxy.start().get(5, SECONDS);
            final List<SessionEvent> events = new CopyOnWriteArrayList<>();
            final byte[] data = new byte[256 * 1024];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31 + 7);
            }
            try (AutoCloseable sub = proxy.subscribe(events::add);
                 Socket s = new Socket("127.0.0.1", proxy.listener("in").port())) {
                s.setSoTimeout(5_000);
                final CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> readToEnd(s));
                s.getOutputStream().write(data);
                s.getOutputStream().flush();
                s.shutdownOutput();
                // Everything comes back after the client's FIN, then the proxy's own FIN: not a cut session.
                assertThat(Arrays.equals(back.get(10, SECONDS), data)).as("the whole echo").isTrue();
            }
            Await.until(WAIT, "the session to end", () -> proxy.sessions().stream()
                    .allMatch(i -> i.status().toString().equals("DESTROYED")));
            assertThat(events).extracting(SessionEvent::event).contains("HALF-CLOSE", "END")
                    .doesNotContain("ERROR");
        }
    }

    @Test
    void anHttpRequestsEndCrossesATransformToABackendThatAnswersAtItsEnd() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Like wc: reads up to its end of input, then answers and closes.
            final CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = backend.accept()) {
                    s.setSoTimeout(5_000);
                    final byte[] all = s.getInputStream().readAllBytes();
                    s.getOutputStream().write(("got " + all.length + " bytes").getBytes(US_ASCII));
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (L7mp proxy = L7mp.builder()
                    .cluster("m", c -> c.spec(MetricSpec.of()))
                    .cluster("up", c -> c.spec(TcpSpec.port(backend.getLocalPort())).endpoint("127.0.0.1"))
                    .listener("http", l -> l.spec(HttpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("up").ingress("m").egress("m"))))
                    .build();
                 Socket s = new Socket("127.0.0.1", startAndPort(proxy))) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        + "Connection: close\r\n\r\nhello").getBytes(US_ASCII));
                final String answer = new String(readToEnd(s), US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("got 5 bytes");
                served.get(5, SECONDS);
                Await.until(WAIT, "the session to end", () -> proxy.sessions().isEmpty());
            }
        }
    }

    private static int startAndPort(L7mp proxy) throws Exception {
        proxy.start().get(5, SECONDS);
        return proxy.listener("http").port();
    }

    private static byte[] readToEnd(Socket s) {
        try {
            final InputStream in = s.getInputStream();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final byte[] b = new byte[65536];
            int n;
            while ((n = in.read(b)) >= 0) {
                out.write(b, 0, n);
            }
            return out.toByteArray();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
