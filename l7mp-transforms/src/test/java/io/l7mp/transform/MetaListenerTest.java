package io.l7mp.transform;

import static io.l7mp.transform.RtpParserTest.rtp;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionInfo;
import io.l7mp.SessionStatus;
import io.l7mp.protocol.TcpSpec;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.Await;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The meta-listener: a listener plus transforms as one listener, whose transforms write metadata the rules see. */
class MetaListenerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Echoes a JSON envelope of each message with the session's metadata: shows what the rules saw. */
    private static final ProtocolSpec ENVELOPE_ECHO = MetaTransformSpec.of(ProtocolSpec.of("JSONEncap"),
            ProtocolSpec.of("Echo"));

    @Test
    void anRtpUdpListenerPutsSsrcPayloadTypeAndSequenceInTheMetadataBeforeTheRules() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .cluster("envelope-echo", c -> c.spec(ENVELOPE_ECHO))
                .listener("rtp-in", l -> l.spec(MetaListenerSpec.of(UdpSpec.bind("127.0.0.1", 0),
                                ProtocolSpec.of("RTPParser")))
                        .rule(r -> r.matchTest("/RTP/payload_type", 111).route(rt -> rt.destination("envelope-echo")))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             Udp opus = new Udp();
             Udp pcmu = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "rtp-in");
            // Payload type 111 matches the first rule: the reply is an envelope showing the metadata.
            opus.send(to, rtp(111, 7, 0xdeadbeefL, "a"));
            final JsonNode env = JSON.readTree(opus.receive());
            assertThat(env.at("/metadata/RTP/ssrc").asLong()).isEqualTo(0xdeadbeefL);
            assertThat(env.at("/metadata/RTP/payload_type").asInt()).isEqualTo(111);
            assertThat(env.at("/metadata/RTP/sequence").asInt()).isEqualTo(7);
            assertThat(env.at("/metadata/UDP/src_port").asInt()).isEqualTo(opus.port());
            assertThat(Base64.getDecoder().decode(env.get("payload").asText())).isEqualTo(rtp(111, 7, 0xdeadbeefL,
                    "a"));
            // The session goes on through the parser; its metadata stays what the rules saw.
            final byte[] second = rtp(111, 8, 0xdeadbeefL, "b");
            opus.send(to, second);
            assertThat(Base64.getDecoder().decode(JSON.readTree(opus.receive()).get("payload").asText()))
                    .isEqualTo(second);
            // Payload type 0 falls through to plain Echo.
            final byte[] ulaw = rtp(0, 1, 42, "u");
            pcmu.send(to, ulaw);
            assertThat(pcmu.receiveBytes()).isEqualTo(ulaw);
            final SessionInfo s = session(proxy, opus.port());
            assertThat(s.metadata().at("/RTP/ssrc").asLong()).isEqualTo(0xdeadbeefL);
            assertThat(s.listener()).isEqualTo("rtp-in");
            assertThat(RtpStats.snapshot().get("rtp-in/ingress[0]").get(s.name()).packets()).isEqualTo(2);
        }
    }

    private static SessionInfo session(L7mp proxy, int srcPort) {
        return proxy.sessions().stream().filter(x -> x.metadata().at("/UDP/src_port").asInt() == srcPort)
                .findFirst().orElseThrow();
    }

    @Test
    void aConfigDefinesMetaListenersFromNamedReusableTransformsAndSessionTransforms() throws Exception {
        // A session transform before the rules sees what the parser wrote, and the rules see what it wrote.
        final TransformProvider codec = TransformProvider.ofSetup("Codec", (metadata, ctx) -> {
            metadata.with("labels").put("codec", metadata.at("/RTP/payload_type").asInt() == 111 ? "opus" : "other");
            return null;
        });
        final String yaml = """
                clusters:
                  - {name: rtp-parser, spec: {protocol: RTPParser}}
                  - {name: codec, spec: {protocol: Codec}}
                  - {name: envelope-echo, spec: {protocol: MetaTransform, transforms: [{protocol: JSONEncap},
                                                                                      {protocol: Echo}]}}
                listeners:
                  - name: a
                    spec: {protocol: MetaListener, listener: {protocol: UDP, address: 127.0.0.1, port: 0},
                           ingress: [rtp-parser], session: [codec]}
                    rules: [{match: {op: test, path: /labels/codec, value: opus},
                             action: {route: {destination: envelope-echo}}}]
                  - name: b
                    spec: {protocol: MetaListener, listener: {protocol: UDP, address: 127.0.0.1, port: 0},
                           ingress: [rtp-parser], session: [codec], timeout: 500}
                    rules: [{match: {op: test, path: /labels/codec, value: opus},
                             action: {route: {destination: envelope-echo}}}]
                """;
        final ConfigCodec cc = ConfigCodec.of(List.of(codec), false);
        final Config cfg = cc.readConfig(yaml, true);
        assertThat(cfg.listeners().get(1).spec()).isInstanceOf(MetaListenerSpec.class);
        // The spec writes back as it was read, names as names.
        assertThat(cc.toTree(cfg.listeners().get(1).spec()).toString()).isEqualTo("{\"protocol\":\"MetaListener\","
                + "\"listener\":{\"protocol\":\"UDP\",\"port\":0,\"address\":\"127.0.0.1\"},\"session\":[\"codec\"],"
                + "\"ingress\":[\"rtp-parser\"],\"timeout\":500}");
        assertThat(cc.read(cc.toTree(cfg.listeners().get(1).spec()), ProtocolSpec.class, "spec"))
                .isEqualTo(cfg.listeners().get(1).spec());
        try (L7mp proxy = L7mp.builder().protocol(codec).config(cfg).build();
             Udp one = new Udp();
             Udp two = new Udp()) {
            proxy.start().get(5, SECONDS);
            for (final String l : new String[] {"a", "b"}) {
                final Udp u = l.equals("a") ? one : two;
                u.send(Udp.of(proxy, l), rtp(111, 1, 5, "x"));
                final JsonNode env = JSON.readTree(u.receive());
                assertThat(env.at("/metadata/labels/codec").asText()).isEqualTo("opus");
                assertThat(env.at("/metadata/RTP/ssrc").asInt()).isEqualTo(5);
            }
            // Both listeners use the one named parser cluster.
            assertThat(RtpStats.snapshot().get("rtp-parser")).hasSize(2);
            assertThat(proxy.cluster("codec").stats().sessions()).isEqualTo(2);
        }
    }

    @Test
    void egressTransformsRewriteWhatGoesBackAndASessionMayBeRoutedBeforeItsFirstMessage() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .protocol(TransformProvider.of("Upper", StreamKind.DATAGRAM, TransformSpiTest.UPPER))
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("tcp", l -> l.spec(new MetaListenerSpec("MetaListener", TcpSpec.bind("127.0.0.1", 0),
                                List.of(), List.of(), List.of(Ref.inline(TransformSpec.of("Upper"))), false, null))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(5, SECONDS);
            try (Socket s = new Socket("127.0.0.1", proxy.listener("tcp").port())) {
                s.setSoTimeout(5_000);
                // wait_for_data: false: routed and connected before the client says anything.
                Await.until(WAIT, "the session to connect", () -> proxy.sessions().size() == 1
                        && proxy.sessions().get(0).status() == SessionStatus.CONNECTED);
                s.getOutputStream().write("hello\n".getBytes(US_ASCII));
                assertThat(new String(s.getInputStream().readNBytes(6), US_ASCII)).isEqualTo("HELLO\n");
            }
        }
    }

    @Test
    void withoutDataTheSessionIsRoutedWhenTheWaitEnds() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("tcp", l -> l.spec(MetaListenerSpec.of(TcpSpec.bind("127.0.0.1", 0),
                                ProtocolSpec.of("RTPParser")).withTimeout(100))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             Socket s = new Socket()) {
            proxy.start().get(5, SECONDS);
            s.connect(new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port()));
            s.setSoTimeout(5_000);
            Await.until(WAIT, "the session to connect", () -> proxy.sessions().size() == 1
                    && proxy.sessions().get(0).status() == SessionStatus.CONNECTED);
            assertThat(proxy.sessions().get(0).metadata().has("RTP")).isFalse();
            s.getOutputStream().write("not rtp".getBytes(US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(7), US_ASCII)).isEqualTo("not rtp");
        }
    }

    @Test
    void aFailingSetUpClosesTheClientAndEmitsNoSession() throws Exception {
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("tcp", l -> l.spec(MetaListenerSpec.of(TcpSpec.bind("127.0.0.1", 0))
                                .withSession(List.of(Ref.to("missing"))).withWaitForData(false))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
             Socket s = new Socket()) {
            proxy.start().get(5, SECONDS);
            s.connect(new InetSocketAddress("127.0.0.1", proxy.listener("tcp").port()));
            s.setSoTimeout(5_000);
            final InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo(-1);
            assertThat(proxy.sessions()).isEmpty();
            assertThat(proxy.listener("tcp").stats().sessions()).isZero();
        }
    }

    @Test
    void badElementsAreReportedWithTheirPath() throws Exception {
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig("""
                listeners: [{name: l, spec: {protocol: MetaListener, listener: {protocol: Nope}}}]
                """, true)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("listeners[0].spec.listener.protocol: \"Nope\"");
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig(
                "listeners: [{name: l, spec: {protocol: MetaListener}}]", true))
                .hasMessage("listeners[0].spec.listener: missing (expected: the spec of the inner listener)");
        assertThatThrownBy(() -> ConfigCodec.defaults().readConfig(
                "listeners: [{name: l, spec: {protocol: MetaListener, listener: {protocol: UDP, port: 70000}}}]",
                true)).hasMessage("listeners[0].spec.listener.port: 70000 (expected: 0-65535)");
        final String[][] cases = {
            {"{protocol: MetaListener, listener: {protocol: Echo}}",
                "listener.spec.listener.protocol: \"Echo\" (expected: a protocol that can listen, such as UDP)"},
            {"{protocol: MetaListener, listener: {protocol: UDP, port: 0}, ingress: [{protocol: UDP, port: 9}]}",
                "listener.spec.ingress[0].protocol: \"UDP\" (expected: a transform without endpoints"},
        };
        try (L7mp proxy = L7mp.builder().build()) {
            proxy.start().get(5, SECONDS);
            for (final String[] c : cases) {
                final ProtocolSpec spec = proxy.codec().read(proxy.codec().parse(c[0], true), ProtocolSpec.class,
                        "spec");
                assertThatThrownBy(() -> proxy.addListener(io.l7mp.spec.ListenerSpec.builder("l").spec(spec)
                        .build()).get(5, SECONDS)).as(c[0]).isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(ConfigException.class).hasMessageStartingWith(c[1]);
            }
            // An inline session element must be a session transform: found when the listener is created.
            final ProtocolSpec logger = proxy.codec().read(proxy.codec().parse(
                    "{protocol: MetaListener, listener: {protocol: UDP, port: 0}, session: [{protocol: Metric}]}",
                    true), ProtocolSpec.class, "spec");
            assertThatThrownBy(() -> proxy.addListener(io.l7mp.spec.ListenerSpec.builder("l").spec(logger)
                    .build()).get(5, SECONDS)).cause().isInstanceOf(ConfigException.class)
                    .hasMessageContaining("session[0].protocol: \"Metric\" is not a session transform");
            assertThat(proxy.listeners()).isEmpty();
        }
    }
}
