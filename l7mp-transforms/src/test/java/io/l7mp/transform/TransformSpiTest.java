package io.l7mp.transform;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.protocol.TcpSpec;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.Await;
import io.netty.buffer.ByteBuf;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TransformSpiTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Upper-cases ASCII in place: the stateless form. */
    static final Transform UPPER = (msg, ctx) -> {
        for (int i = msg.readerIndex(); i < msg.writerIndex(); i++) {
            msg.setByte(i, Character.toUpperCase(msg.getByte(i)));
        }
        return msg;
    };

    @Test
    void aStatelessTransformRunsInBothChains() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .protocol(TransformProvider.of("Upper", StreamKind.DATAGRAM, UPPER))
                .protocol(TransformProvider.of("DropX", StreamKind.DATAGRAM, (msg, ctx) -> {
                    if (msg.readableBytes() > 0 && msg.getByte(msg.readerIndex()) == 'x') {
                        msg.release();
                        return null;
                    }
                    return msg;
                }))
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("upper", c -> c.spec(TransformSpec.of("Upper")))
                .cluster("dropx", c -> c.spec(TransformSpec.of("DropX")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("dropx").egress("upper"))))
                .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            assertThat(client.roundTrip(to, "hello")).isEqualTo("HELLO");
            client.send(to, "x-dropped");
            assertThat(client.roundTrip(to, "after")).isEqualTo("AFTER");
        }
    }

    @Test
    void aStatefulTransformKeepsStatePerSessionAndMayEmitFromATimer() throws Exception {
        final TransformProvider numbered = TransformProvider.ofSession("Numbered", StreamKind.DATAGRAM,
                ctx -> new SessionTransform() {
                    private int n;

                    @Override
                    public void onMessage(ByteBuf msg, Output out) {
                        final ByteBuf prefix = ctx.alloc().buffer().writeBytes((++n + ":").getBytes(US_ASCII));
                        out.emit(prefix.writeBytes(msg));
                        msg.release();
                    }
                });
        // Holds each message back 20 ms and emits it from a timer on the session's loop.
        final TransformProvider delayed = TransformProvider.ofSession("Delay", StreamKind.DATAGRAM,
                ctx -> (msg, out) -> ctx.eventLoop().schedule(() -> {
                    out.emit(msg);
                    out.flush();
                }, 20, MILLISECONDS));
        try (L7mp proxy = L7mp.builder()
                .protocol(numbered)
                .protocol(delayed)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("num", c -> c.spec(TransformSpec.of("Numbered")))
                .cluster("delay", c -> c.spec(TransformSpec.of("Delay")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("num", "delay"))))
                .build();
             Udp a = new Udp();
             Udp b = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            assertThat(a.roundTrip(to, "x")).isEqualTo("1:x");
            assertThat(a.roundTrip(to, "y")).isEqualTo("2:y");
            assertThat(b.roundTrip(to, "z")).isEqualTo("1:z");
        }
    }

    @Test
    void aByteStreamTransformReassemblesLines() throws Exception {
        // Emits whole lines, upper-cased, whatever chunks TCP delivers.
        final TransformProvider lines = TransformProvider.ofSession("Lines", StreamKind.BYTE,
                ctx -> new SessionTransform() {
                    private final ByteBuf pending = ctx.alloc().buffer();

                    @Override
                    public void onMessage(ByteBuf msg, Output out) throws Exception {
                        pending.writeBytes(msg);
                        msg.release();
                        int nl;
                        while ((nl = pending.indexOf(pending.readerIndex(), pending.writerIndex(), (byte) '\n'))
                                >= 0) {
                            // A copy, not a slice: discardReadBytes() below moves the bytes a slice would share.
                            out.emit(UPPER.apply(pending.readBytes(nl - pending.readerIndex() + 1), ctx));
                        }
                        pending.discardReadBytes();
                    }

                    @Override
                    public void onClose() {
                        pending.release();
                    }
                });
        try (L7mp proxy = L7mp.builder()
                .protocol(lines)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("lines", c -> c.spec(TransformSpec.of("Lines")))
                .listener("in", l -> l.spec(TcpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("lines"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = new Socket("127.0.0.1", proxy.listener("in").port())) {
                s.setSoTimeout(5_000);
                s.setTcpNoDelay(true);
                final OutputStream out = s.getOutputStream();
                final InputStream in = s.getInputStream();
                for (final String chunk : new String[] {"hel", "lo\nwor", "ld\nand", " more\n", "unfinished"}) {
                    out.write(chunk.getBytes(US_ASCII));
                    out.flush();
                }
                final byte[] want = "HELLO\nWORLD\nAND MORE\n".getBytes(US_ASCII);
                assertThat(in.readNBytes(want.length)).isEqualTo(want);
            }
        }
    }

    @Test
    void aServiceLoaderPlugInIsUsableByNameFromAConfigFile() throws Exception {
        final var cfg = ConfigCodec.defaults().readConfig("""
                clusters:
                  - name: echo
                    spec: {protocol: Echo}
                  - name: rewrite
                    spec: {protocol: Rewrite, from: cat, to: dog}
                listeners:
                  - name: in
                    spec: {protocol: UDP, address: 127.0.0.1, port: 0}
                    rules:
                      - action:
                          route:
                            destination: echo
                            ingress: [rewrite]
                """, true);
        assertThat(cfg.clusters().get(1).spec()).isInstanceOf(TransformSpec.class);
        assertThat(ConfigCodec.defaults().toTree(cfg.clusters().get(1).spec()).toString())
                .isEqualTo("{\"protocol\":\"Rewrite\",\"from\":\"cat\",\"to\":\"dog\"}");
        try (L7mp proxy = L7mp.builder().config(cfg).build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            assertThat(client.roundTrip(Udp.of(proxy, "in"), "the cat sat")).isEqualTo("the dog sat");
        }
        assertThatThrownBy(() -> L7mp.builder().cluster("r", c -> c.spec(TransformSpec.of("Rewrite"))).build())
                .isInstanceOf(ConfigException.class)
                .hasMessage("clusters[0].spec.from: missing (expected: the text to replace)");
    }

    @Test
    void aFailingTransformDisconnectsItsStageWithoutLeaking() throws Exception {
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp proxy = L7mp.builder()
                .protocol(TransformProvider.of("Boom", StreamKind.DATAGRAM, (msg, ctx) -> {
                    throw new IllegalStateException("boom");
                }))
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("boom", c -> c.spec(TransformSpec.of("Boom")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").ingress("boom"))))
                .build();
             Udp client = new Udp()) {
            proxy.subscribe(events::add);
            proxy.start().get(5, SECONDS);
            client.send(Udp.of(proxy, "in"), "x");
            Await.until(WAIT, "the session to end", () -> events.stream().anyMatch(e -> e.event().equals("DESTROY")));
            assertThat(events).anyMatch(e -> e.event().equals("DISCONNECT") && "boom".equals(e.content()));
        }
    }
}
