package io.l7mp.transform;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ProtocolSpec;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class RtpParserTest {
    static byte[] rtp(int pt, int seq, long ssrc, String payload) {
        final byte[] p = payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(12 + p.length).put((byte) 0x80).put((byte) pt).putShort((short) seq)
                .putInt(160 * seq).putInt((int) ssrc).put(p).array();
    }

    @Test
    void anRtpUdpMetaClusterReportsSsrcPayloadTypeSequenceAndGaps() throws Exception {
        try (Udp upstream = new Udp();
             L7mp proxy = L7mp.builder()
                     // "RTP/UDP": a UDP cluster whose traffic is parsed on the way out.
                     .cluster("rtp-udp", c -> c.spec(MetaClusterSpec.of(List.of(ProtocolSpec.of("RTPParser")),
                             UdpSpec.port(upstream.port()), List.of())).endpoint("127.0.0.1"))
                     .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("rtp-udp"))))
                     .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            for (final int seq : new int[] {65534, 65535, 0, 3, 2, 4}) {
                final byte[] pkt = rtp(111, seq, 0xdeadbeefL, "opus");
                client.send(to, pkt);
                assertThat(upstream.receiveBytes()).isEqualTo(pkt);
            }
            client.send(to, "not rtp");
            assertThat(upstream.receive()).isEqualTo("not rtp");
            final RtpStats.Stream s = RtpStats.snapshot().get("rtp-udp/ingress[0]")
                    .get(proxy.sessions().get(0).name());
            assertThat(s.ssrc()).isEqualTo(0xdeadbeefL);
            assertThat(s.payloadType()).isEqualTo(111);
            assertThat(s.sequence()).isEqualTo(4);
            assertThat(s.packets()).isEqualTo(6);
            // 0 -> 3 skipped 1 and 2; 2 came late.
            assertThat(s.lost()).isEqualTo(2);
            assertThat(s.invalid()).isEqualTo(1);
        }
    }
}
