package io.l7mp.examples.servicemesh2;

import static io.l7mp.examples.Protocols.protocolAvailable;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.SessionInfo;
import io.l7mp.testing.Await;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class MainTest {
    private static void send(DatagramSocket from, int port, String msg) throws IOException {
        final byte[] b = msg.getBytes(UTF_8);
        from.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", port)));
    }

    private static String receive(DatagramSocket s) throws IOException {
        final DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), UTF_8);
    }

    private static boolean connected(List<SessionInfo> sessions, int n) {
        return sessions.stream().filter(s -> s.status().name().equals("CONNECTED")).count() == n;
    }

    @Test
    void theRendezvousJoinsUserAAndUserBIntoOneCall() throws Exception {
        Assumptions.assumeTrue(protocolAvailable("JSONSocket"), "JSONSocket is not on the class path");
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             Main.Call call = Main.start(0, 0, a.getLocalPort(), b.getLocalPort(), 0, 0)) {
            a.setSoTimeout(5_000);
            b.setSoTimeout(5_000);
            Await.until(Duration.ofSeconds(10), "both legs connected at the rendezvous",
                    () -> connected(call.worker().sessions(), 2) && connected(call.gateway().sessions(), 2));
            // Read the ports once the singleton sessions are up: a listener whose first session was lost reopens
            // its socket, on a new port when the spec says 0.
            final int gwA = call.gateway().listener("gateway-user-a-vsvc").port();
            final int gwB = call.gateway().listener("gateway-user-b-vsvc").port();
            send(a, gwA, "hello B, this is A");
            assertThat(receive(b)).isEqualTo("hello B, this is A");
            send(b, gwB, "hi A");
            assertThat(receive(a)).isEqualTo("hi A");
            for (int i = 0; i < 20; i++) {
                send(a, gwA, "a" + i);
                send(b, gwB, "b" + i);
                assertThat(receive(b)).isEqualTo("a" + i);
                assertThat(receive(a)).isEqualTo("b" + i);
            }
            // The label crossed the JSONSocket hop and every stream passed the transcoder.
            for (final SessionInfo s : call.worker().sessions()) {
                assertThat(s.metadata().at("/JSONSocket/labels/session_id").asText()).isEqualTo("1");
                assertThat(s.ingress().get(0).origin()).isEqualTo("transcoder-target");
                assertThat(s.destination().origin()).isEqualTo("sync-target");
            }
            assertThat(call.transcoder().sessions()).hasSize(2);
        }
    }
}
