package io.l7mp.examples.servicemesh1;

import static io.l7mp.examples.Protocols.protocolAvailable;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    /** Binds a client in the source-port range the gateway admits. */
    private static DatagramSocket clientIn(int from, int to) throws SocketException {
        for (int p = from; p <= to; p++) {
            try {
                return new DatagramSocket(new InetSocketAddress("127.0.0.1", p));
            } catch (final SocketException busy) {
                // try the next port
            }
        }
        throw new SocketException("no free port in " + from + "-" + to);
    }

    private static String roundTrip(DatagramSocket c, InetSocketAddress to, String msg) throws IOException {
        final byte[] b = msg.getBytes(UTF_8);
        c.send(new DatagramPacket(b, b.length, to));
        final DatagramPacket p = new DatagramPacket(new byte[1000], 1000);
        c.receive(p);
        return new String(p.getData(), 0, p.getLength(), UTF_8);
    }

    @Test
    void streamsGoThroughTheTranscoderToTheWorkerAndOthersAreRefused(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(protocolAvailable("WebSocket"), "WebSocket is not on the class path");
        Assumptions.assumeTrue(protocolAvailable("UnixDomainSocket"), "UnixDomainSocket is not available here");
        try (Main.Mesh mesh = Main.start(0, 0, 0, dir.resolve("uds-echo.sock"));
             DatagramSocket allowed = clientIn(9000, 9099);
             DatagramSocket other = clientIn(20000, 20099)) {
            allowed.setSoTimeout(5_000);
            final InetSocketAddress gw = new InetSocketAddress("127.0.0.1",
                    mesh.gateway().listener("gateway-vsvc").port());
            assertThat(roundTrip(allowed, gw, "hello")).isEqualTo("worker got HELLO");
            assertThat(roundTrip(allowed, gw, "media frame 2")).isEqualTo("worker got MEDIA FRAME 2");
            // The reply path is direct: the session's egress chain is empty.
            assertThat(mesh.gateway().sessions().get(0).egress()).isEmpty();
            assertThat(mesh.transcoderSidecar().sessions()).hasSize(1);
            // A source port outside 9000-9099 matches no rule: no session, no answer.
            other.setSoTimeout(300);
            final byte[] b = "let me in".getBytes(UTF_8);
            other.send(new DatagramPacket(b, b.length, gw));
            try {
                other.receive(new DatagramPacket(new byte[100], 100));
                throw new AssertionError("a filtered source got an answer");
            } catch (final SocketTimeoutException expected) {
                assertThat(mesh.gateway().sessions()).hasSize(1);
            }
        }
    }
}
