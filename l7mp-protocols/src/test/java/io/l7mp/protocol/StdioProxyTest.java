package io.l7mp.protocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.internal.protocol.stdio.StdioProtocol;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.Await;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Stdio through OS pipes standing in for the proxy's stdin and stdout (the test JVM's own belong to the test
 * runner), with the provider registered by hand as an embedding application would.
 */
class StdioProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void oneSessionOwnsStdioAtATime() throws Exception {
        final Pipe stdin = Pipe.open();
        final Pipe stdout = Pipe.open();
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (OutputStream typed = Channels.newOutputStream(stdin.sink());
             InputStream printed = Channels.newInputStream(stdout.source());
             L7mp proxy = L7mp.builder()
                     .protocol(new StdioProtocol(Channels.newInputStream(stdin.source()),
                             Channels.newOutputStream(stdout.sink())))
                     .cluster("stdio", c -> c.spec(ProtocolSpec.of("Stdio")))
                     .listener("tcp", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("stdio"))))
                     .build();
             AutoCloseable sub = proxy.subscribe(events::add)) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port());
            try (Socket first = new Socket()) {
                first.connect(to, 5_000);
                first.setSoTimeout(5_000);
                first.getOutputStream().write("to stdout\n".getBytes(US_ASCII));
                final byte[] out = new byte[10];
                new DataInputStream(printed).readFully(out);
                assertThat(new String(out, US_ASCII)).isEqualTo("to stdout\n");
                typed.write("from stdin\n".getBytes(US_ASCII));
                typed.flush();
                assertThat(new String(first.getInputStream().readNBytes(11), US_ASCII)).isEqualTo("from stdin\n");

                try (Socket second = new Socket()) {
                    second.connect(to, 5_000);
                    second.setSoTimeout(5_000);
                    assertThat(second.getInputStream().read()).as("refused while stdio is taken").isEqualTo(-1);
                }
                Await.until(WAIT, "the 409", () -> events.stream().anyMatch(e -> e.event().equals("ERROR")
                        && String.valueOf(e.content()).contains("Stdio is in use by session TCP:")));
            }
            Await.until(WAIT, "the first session to end", () -> proxy.sessions().isEmpty());
            // Once the owner is gone, the next session gets stdio, and what was typed meanwhile.
            typed.write("typed between sessions\n".getBytes(US_ASCII));
            typed.flush();
            try (Socket third = new Socket()) {
                third.connect(to, 5_000);
                third.setSoTimeout(5_000);
                assertThat(new String(third.getInputStream().readNBytes(23), US_ASCII))
                        .isEqualTo("typed between sessions\n");
                // End of stdin ends the session that owns it...
                typed.close();
                assertThat(third.getInputStream().read()).isEqualTo(-1);
            }
            // ... and every later one at once.
            try (Socket fourth = new Socket()) {
                fourth.connect(to, 5_000);
                fourth.setSoTimeout(5_000);
                assertThat(fourth.getInputStream().read()).isEqualTo(-1);
            }
            Await.until(WAIT, "no session left", () -> proxy.sessions().isEmpty());
        }
    }
}
