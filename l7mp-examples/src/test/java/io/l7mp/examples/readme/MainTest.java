package io.l7mp.examples.readme;

import static io.l7mp.examples.Protocols.protocolAvailable;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.SessionInfo;
import io.l7mp.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void udpPeerTalksToTheWebSocketServiceThroughTheLogger() throws Exception {
        Assumptions.assumeTrue(protocolAvailable("WebSocket"), "WebSocket is not on the class path");
        final PrintStream stdout = System.out;
        final ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setOut(new PrintStream(logged, true, UTF_8));
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             Main.Example ex = Main.start(0, peer.getLocalPort(), 0)) {
            peer.setSoTimeout(5_000);
            // A singleton listener's session starts with the proxy; when its first attempt is lost it reopens its
            // socket (on a new port when the spec says 0): read the port once the session is up.
            Await.until(Duration.ofSeconds(5), "the singleton session connected", () -> ex.readme().sessions().stream()
                    .anyMatch(s -> s.status().name().equals("CONNECTED")));
            final InetSocketAddress proxy = new InetSocketAddress("127.0.0.1",
                    ex.readme().listener("udp-listener").port());
            for (final String line : new String[] {"first line\n", "second line\n"}) {
                final byte[] b = line.getBytes(UTF_8);
                peer.send(new DatagramPacket(b, b.length, proxy));
                final DatagramPacket back = new DatagramPacket(new byte[100], 100);
                peer.receive(back);
                assertThat(new String(back.getData(), 0, back.getLength(), UTF_8)).isEqualTo(line);
            }
            // The Logger sits in the ingress chain only: it printed what the peer sent, once each.
            Await.until(Duration.ofSeconds(5), "the Logger's lines",
                    () -> logged.toString(UTF_8).contains("udp-listener: second line\n"));
            assertThat(logged.toString(UTF_8)).isEqualTo("udp-listener: first line\nudp-listener: second line\n");
            final SessionInfo s = ex.readme().sessions().get(0);
            assertThat(s.metadata().at("/UDP/src_port").asInt()).isEqualTo(peer.getLocalPort());
            assertThat(s.destination().origin()).isEqualTo("ws-cluster");
        } finally {
            System.setOut(stdout);
        }
    }
}
