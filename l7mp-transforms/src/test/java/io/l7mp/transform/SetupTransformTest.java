package io.l7mp.transform;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.ConfigException;
import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RetryOn;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.PseudoClusterProvider;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.SessionSetup;
import io.l7mp.spi.SessionUpdate;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.Await;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Session transforms in a route's {@code session} list: metadata and route rewrites at setup, teardown at the end. */
class SetupTransformTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Labels a session by its source port: what the session transforms below write. */
    static final SetupTransform TIER = (metadata, ctx) -> {
        metadata.with("labels").put("tier", metadata.at("/UDP/src_port").asInt() % 2 == 0 ? "even" : "odd");
        return null;
    };

    /** Wraps each message in a JSON envelope with the metadata and sends it back: shows the session's metadata. */
    private static RouteSpec.Builder envelopeEcho(RouteSpec.Builder rt) {
        return rt.destination(c -> c.spec(MetaTransformSpec.of(ProtocolSpec.of("JSONEncap"), ProtocolSpec.of("Echo"))));
    }

    private static JsonNode envelope(Udp client, InetSocketAddress to, String msg) throws Exception {
        return JSON.readTree(client.roundTrip(to, msg));
    }

    @Test
    void aSessionTransformRewritesTheMetadataBeforeTheStagesConnect() throws Exception {
        final List<String> ended = new CopyOnWriteArrayList<>();
        final SetupTransform tier = new SetupTransform() {
            @Override
            public String setup(com.fasterxml.jackson.databind.node.ObjectNode metadata, TransformContext ctx)
                    throws Exception {
                return TIER.setup(metadata, ctx);
            }

            @Override
            public void teardown(JsonNode metadata, TransformContext ctx, Throwable cause) {
                ended.add(ctx.sessionName() + " " + metadata.at("/labels/tier").asText() + " " + cause);
            }
        };
        try (L7mp proxy = L7mp.builder()
                .protocol(TransformProvider.ofSetup("Tier", tier))
                .cluster("tier", c -> c.spec(TransformSpec.of("Tier")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> envelopeEcho(rt).session("tier"))))
                .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            final JsonNode env = envelope(client, Udp.of(proxy, "in"), "hello");
            final String tierOfClient = client.port() % 2 == 0 ? "even" : "odd";
            // JSONEncap, connected after the session transform, sees the label; so does the session's view.
            assertThat(env.at("/metadata/labels/tier").asText()).isEqualTo(tierOfClient);
            assertThat(Base64.getDecoder().decode(env.get("payload").asText())).isEqualTo("hello".getBytes());
            final SessionInfo s = proxy.sessions().get(0);
            assertThat(s.metadata().at("/labels/tier").asText()).isEqualTo(tierOfClient);
            assertThat(s.events()).extracting(SessionEvent::event).containsSubsequence("LOOKUP SUCCESS", "SETUP",
                    "CONNECT");
            assertThat(ended).isEmpty();
            proxy.deleteSession(s.name()).get(5, SECONDS);
            assertThat(ended).containsExactly(s.name() + " " + tierOfClient + " null");
            assertThat(proxy.cluster("tier").stats().sessions()).isEqualTo(1);
        }
    }

    @Test
    void aSessionTransformMaySendTheSessionAlongAnotherRoute() throws Exception {
        // Odd source ports go to "shout", whose own session transform then runs too.
        final SetupTransform split = (metadata, ctx) ->
                metadata.at("/UDP/src_port").asInt() % 2 == 1 ? "shout" : null;
        try (L7mp proxy = L7mp.builder()
                .protocol(TransformProvider.ofSetup("Split", split))
                .protocol(TransformProvider.ofSetup("Tier", TIER))
                .protocol(TransformProvider.of("Upper", StreamKind.DATAGRAM, TransformSpiTest.UPPER))
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .route("shout", rt -> rt.destination("echo").ingress(c -> c.spec(TransformSpec.of("Upper")))
                        .session(c -> c.spec(TransformSpec.of("Tier"))))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").session(c -> c.spec(TransformSpec.of("Split"))))))
                .build();
             Udp odd = withPortParity(1);
             Udp even = withPortParity(0)) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress to = Udp.of(proxy, "in");
            assertThat(odd.roundTrip(to, "hi")).isEqualTo("HI");
            assertThat(even.roundTrip(to, "hi")).isEqualTo("hi");
            final SessionInfo s = proxy.sessions().stream()
                    .filter(x -> x.metadata().at("/UDP/src_port").asInt() == odd.port()).findFirst().orElseThrow();
            assertThat(s.route()).isEqualTo("shout");
            assertThat(s.metadata().at("/labels/tier").asText()).isEqualTo("odd");
        }
    }

    /** Returns a UDP peer whose port is odd (1) or even (0); the OS hands out both, so a few tries suffice. */
    private static Udp withPortParity(int parity) throws java.io.IOException {
        for (int i = 0; i < 64; i++) {
            final Udp u = new Udp();
            if (u.port() % 2 == parity) {
                return u;
            }
            u.close();
        }
        throw new AssertionError("no UDP port with parity " + parity + " in 64 tries");
    }

    @Test
    void anAsyncSessionHookIsBoundedByTheRouteTimeoutAndRetried() throws Exception {
        // Answers the first call never, the second one after 20 ms.
        final AtomicInteger calls = new AtomicInteger();
        final ProtocolProvider slow = new PseudoClusterProvider("Slow") {
            @Override
            public Cluster newCluster(ClusterContext ctx) {
                final class Hook implements Cluster, SessionHook {
                    @Override
                    public Future<io.l7mp.spi.Stage> connect(io.l7mp.spi.ConnectRequest r) {
                        return r.eventLoop().newFailedFuture(new IllegalStateException("not a stage"));
                    }

                    @Override
                    public Future<SessionUpdate> setup(SessionSetup s) {
                        final io.netty.util.concurrent.Promise<SessionUpdate> p = s.eventLoop().newPromise();
                        if (calls.incrementAndGet() > 1) {
                            s.metadata().with("labels").put("call", calls.get());
                            s.eventLoop().schedule(() -> p.setSuccess(SessionUpdate.metadata(s.metadata())), 20,
                                    TimeUnit.MILLISECONDS);
                        }
                        return p;
                    }
                }
                return new Hook();
            }
        };
        try (L7mp proxy = L7mp.builder()
                .protocol(slow)
                .cluster("slow", c -> c.spec(ProtocolSpec.of("Slow")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> envelopeEcho(rt).session("slow")
                                .retryOn(RetryOn.CONNECT_FAILURE).numRetries(2).timeout(Duration.ofMillis(150)))))
                .build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            assertThat(envelope(client, Udp.of(proxy, "in"), "x").at("/metadata/labels/call").asInt()).isEqualTo(2);
            final SessionInfo s = proxy.sessions().get(0);
            assertThat(s.stats().retries()).isEqualTo(1);
            assertThat(s.events()).anyMatch(e -> e.event().equals("RETRY")
                    && e.content().contains("session transform slow timed out after 150 ms"));
        }
    }

    @Test
    void withoutRetriesAFailingSessionTransformFailsTheSession() throws Exception {
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp proxy = L7mp.builder()
                .protocol(TransformProvider.ofSetup("Fail", (metadata, ctx) -> {
                    throw new IllegalStateException("no label service");
                }))
                .cluster("fail", c -> c.spec(TransformSpec.of("Fail")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo").session("fail", "missing"))))
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .build();
             Udp client = new Udp()) {
            proxy.subscribe(events::add);
            proxy.start().get(5, SECONDS);
            client.send(Udp.of(proxy, "in"), "x");
            Await.until(WAIT, "the session to fail", () -> events.stream().anyMatch(e -> e.event().equals("ERROR")));
            assertThat(events).anyMatch(e -> e.event().equals("ERROR")
                    && e.content().equals("Fail fail: no label service"));
            assertThat(events).noneMatch(e -> e.event().equals("CONNECT"));
        }
    }

    @Test
    void sessionTransformsAreReadFromAConfigNamedAndWrittenBack() throws Exception {
        final TransformProvider tier = TransformProvider.ofSetup("Tier", TIER);
        final String yaml = """
                clusters:
                  - {name: echo, spec: {protocol: Echo}}
                listeners:
                  - name: in
                    spec: {protocol: UDP, address: 127.0.0.1, port: 0}
                    rules:
                      - action:
                          route:
                            name: r
                            destination: echo
                            session: [{spec: {protocol: Tier}}]
                """;
        try (L7mp proxy = L7mp.builder().protocol(tier)
                .config(io.l7mp.spec.ConfigCodec.of(List.of(tier), false).readConfig(yaml, true)).build();
             Udp client = new Udp()) {
            proxy.start().get(5, SECONDS);
            // The inline session transform became a named cluster, as inline chain elements do.
            assertThat(proxy.routes().get("r").session()).hasToString("[r-session-Cluster-1]");
            assertThat(client.roundTrip(Udp.of(proxy, "in"), "x")).isEqualTo("x");
            assertThat(proxy.sessions().get(0).metadata().at("/labels/tier").isTextual()).isTrue();
            final Config running = proxy.config();
            assertThat(proxy.codec().toTree(running).at("/routes/0/session/0").asText())
                    .isEqualTo("r-session-Cluster-1");
            // The running config loads back into an identical proxy.
            try (L7mp copy = L7mp.builder().protocol(tier).config(running).build()) {
                copy.start().get(5, SECONDS);
                assertThat(copy.routes().get("r")).isEqualTo(proxy.routes().get("r"));
            }
            // A cluster that is no session transform is refused when the route is added.
            assertThatThrownBy(() -> proxy.addRoute(RouteSpec.builder("bad").destination("echo").session("echo")
                    .build()).get(5, SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConfigException.class)
                    .hasMessage("route.session[0]: cluster \"echo\" (Echo) is not a session transform (expected: a "
                            + "cluster whose protocol rewrites metadata at setup)");
            assertThat(proxy.routes()).doesNotContainKey("bad");
            // A recursive delete of the route takes its inline session transform with it.
            proxy.deleteRoute("r", true).get(5, SECONDS);
            assertThat(proxy.clusters()).extracting(io.l7mp.ClusterInfo::name).containsExactly("echo");
        }
    }
}
