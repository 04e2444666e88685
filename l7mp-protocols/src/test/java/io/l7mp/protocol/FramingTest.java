package io.l7mp.protocol;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.testing.UdpEchoServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Datagrams keep their boundaries across a length-prefixed stream hop between two proxies. */
class FramingTest {
    private static final int[] SIZES = {1, 2, 3, 4, 5, 100, 1400, 8000, 30000, 60000};

    @TempDir
    Path dir;

    private static byte[] payload(int size) {
        final byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (size + i * 31);
        }
        return b;
    }

    /** Sends every size back to back, so that a plain byte stream would merge them, then checks each reply. */
    private static void burstKeepsBoundaries(InetSocketAddress to) throws Exception {
        try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setSoTimeout(5_000);
            client.setReceiveBufferSize(1 << 20);
            for (int round = 0; round < 3; round++) {
                for (final int size : SIZES) {
                    final byte[] p = payload(size);
                    client.send(new DatagramPacket(p, p.length, to));
                }
                for (final int size : SIZES) {
                    final DatagramPacket reply = new DatagramPacket(new byte[65536], 65536);
                    client.receive(reply);
                    assertThat(Arrays.copyOf(reply.getData(), reply.getLength())).as("datagram of %d bytes", size)
                            .isEqualTo(payload(size));
                }
            }
        }
    }

    @Test
    void udpThroughFramedTcpHopKeepsDatagrams() throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer();
             L7mp b = L7mp.builder()
                     .cluster("udp", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("framed", l -> l.spec(TcpSpec.bind("127.0.0.1", 0).withFraming(Framing.LENGTH_PREFIXED))
                             .rule(r -> r.route(rt -> rt.destination("udp"))))
                     .build()) {
            b.start().get(5, SECONDS);
            try (L7mp a = L7mp.builder()
                    .cluster("framed", c -> c.spec(TcpSpec.port(b.listener("framed").port())
                            .withFraming(Framing.LENGTH_PREFIXED)).endpoint("127.0.0.1"))
                    .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                            .rule(r -> r.route(rt -> rt.destination("framed"))))
                    .build()) {
                a.start().get(5, SECONDS);
                burstKeepsBoundaries(new InetSocketAddress("127.0.0.1", a.listener("udp").port()));
                // One message per datagram on both sides of the hop.
                assertThat(b.sessions().get(0).stats().ingressPackets()).isEqualTo(3L * SIZES.length);
            }
        }
    }

    @Test
    void udpThroughFramedUnixStreamHopKeepsDatagrams() throws Exception {
        final Path sock = dir.resolve("hop.sock");
        try (UdpEchoServer echo = new UdpEchoServer();
             L7mp b = L7mp.builder()
                     .cluster("udp", c -> c.spec(UdpSpec.port(echo.port())).endpoint("127.0.0.1"))
                     .listener("framed", l -> l.spec(UnixSpec.listen(sock.toString())
                                     .withFraming(Framing.LENGTH_PREFIXED))
                             .rule(r -> r.route(rt -> rt.destination("udp"))))
                     .build();
             L7mp a = L7mp.builder()
                     .cluster("framed", c -> c.spec(UnixSpec.cluster().withFraming(Framing.LENGTH_PREFIXED))
                             .endpoint(sock.toString()))
                     .listener("udp", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                             .rule(r -> r.route(rt -> rt.destination("framed"))))
                     .build()) {
            b.start().get(5, SECONDS);
            a.start().get(5, SECONDS);
            burstKeepsBoundaries(new InetSocketAddress("127.0.0.1", a.listener("udp").port()));
        }
    }

    @Test
    void framingIsReadFromConfigsAndCheckedThere() throws Exception {
        final String ok = String.join("\n",
                "admin: {log_level: info}",
                "listeners:",
                "  - name: framed",
                "    spec: {protocol: TCP, port: 0, framing: length-prefixed}",
                "    rules:",
                "      - action: {route: {destination: {name: echo, spec: {protocol: Echo}}}}",
                "");
        try (L7mp proxy = L7mp.load(Files.writeString(dir.resolve("ok.yaml"), ok))) {
            proxy.start().get(5, SECONDS);
            final TcpSpec spec = (TcpSpec) proxy.config().listeners().get(0).spec();
            assertThat(spec.framing()).isEqualTo(Framing.LENGTH_PREFIXED);
            assertThat(proxy.codec().toYaml(proxy.config())).contains("framing: length-prefixed");
        }
        final Path bad = Files.writeString(dir.resolve("bad.yaml"), ok.replace("length-prefixed", "netstring"));
        assertThatThrownBy(() -> L7mp.load(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec.framing")
                .hasMessageContaining("\"netstring\"")
                .hasMessageContaining("length-prefixed");
    }

    @Test
    void echoOverFramedTcpIsADatagramStream() throws Exception {
        // A framed TCP listener routed to Echo: each frame comes back as one frame.
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("framed", l -> l.spec(TcpSpec.bind("127.0.0.1", 0).withFraming(Framing.LENGTH_PREFIXED))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             java.net.Socket s = new java.net.Socket()) {
            proxy.start().get(5, SECONDS);
            s.connect(new InetSocketAddress("127.0.0.1", proxy.listener("framed").port()), 5_000);
            s.setSoTimeout(5_000);
            final java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
            for (final int size : SIZES) {
                out.writeInt(size);
                out.write(payload(size));
            }
            out.flush();
            final java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            for (final int size : SIZES) {
                assertThat(in.readInt()).isEqualTo(size);
                final byte[] b = new byte[size];
                in.readFully(b);
                assertThat(b).isEqualTo(payload(size));
            }
        }
    }
}
