package io.l7mp.examples.customtransform;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.spec.ConfigCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void thePlugInRewritesDatagramsOnTheWayToEcho() throws Exception {
        try (L7mp proxy = Main.start(0);
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(5_000);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("udp-in").port());
            for (final String[] c : new String[][] {{"my cat", "my dog"}, {"no pets", "no pets"}}) {
                final byte[] b = c[0].getBytes(UTF_8);
                client.send(new DatagramPacket(b, b.length, to));
                final DatagramPacket reply = new DatagramPacket(new byte[100], 100);
                client.receive(reply);
                assertThat(new String(reply.getData(), 0, reply.getLength(), UTF_8)).isEqualTo(c[1]);
            }
        }
    }

    @Test
    void itsSpecIsCheckedLikeABuiltInOne() {
        assertThatThrownBy(() -> L7mp.builder().config(ConfigCodec.defaults().readConfig(
                "clusters: [{name: r, spec: {protocol: PayloadRewriter, to: x}}]", true)).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("clusters[0].spec.from: missing (expected: the text to replace)");
    }
}
