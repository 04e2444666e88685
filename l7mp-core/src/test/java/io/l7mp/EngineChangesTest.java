package io.l7mp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import java.net.BindException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control path: inline objects, generated names, atomic changes, plain and recursive deletes. */
class EngineChangesTest {
    private L7mp proxy;

    @BeforeEach
    void start() throws Exception {
        proxy = L7mp.builder().protocol(new NullProtocol("Net", true)).protocol(new NullProtocol("Local", false))
                .protocol(new NoBind())
                .build();
        proxy.start().get(5, SECONDS);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private ListenerSpec listenerWithInlineEverything(String name) {
        return ListenerSpec.builder(name).spec(ProtocolSpec.of("Net"))
                .rule(r -> r.route(rt -> rt.destination(c -> c.spec(ProtocolSpec.of("Net")).endpoint("127.0.0.1"))
                        .ingress(c -> c.spec(ProtocolSpec.of("Local")))))
                .build();
    }

    private static Throwable cause(ThrowingRunnable r) {
        try {
            r.run();
        } catch (final ExecutionException e) {
            return e.getCause();
        } catch (final Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** {@code NoBind}: a listener whose start always fails, as a taken port does. */
    static final class NoBind implements ProtocolProvider {
        @Override
        public String name() {
            return "NoBind";
        }

        @Override
        public Class<? extends ProtocolSpec> specType() {
            return BasicSpec.class;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.DATAGRAM;
        }

        @Override
        public boolean hasListener() {
            return true;
        }

        @Override
        public Listener newListener(ListenerContext ctx) {
            return new Listener() {
                @Override
                public CompletableFuture<Void> start() {
                    return CompletableFuture.failedFuture(new BindException("Address already in use"));
                }

                @Override
                public @Nullable SocketAddress localAddress() {
                    return null;
                }

                @Override
                public CompletableFuture<Void> close() {
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    }

    @Test
    void inlineObjectsGetL7mpsGeneratedNames() throws Exception {
        proxy.addListener(listenerWithInlineEverything("l")).get(5, SECONDS);
        assertThat(proxy.ruleLists()).containsOnlyKeys("l-RuleList-1");
        final String rule = proxy.ruleLists().get("l-RuleList-1").rules().get(0).toString();
        assertThat(rule).isEqualTo("l-RuleList-1-Rule-1");
        assertThat(proxy.routes()).containsOnlyKeys(rule + "-Route-1");
        // One counter per kind, as l7mp's global counters: the ingress cluster takes the next number.
        assertThat(proxy.clusters()).extracting(ClusterInfo::name)
                .containsExactlyInAnyOrder(rule + "-Route-1-Cluster-1", rule + "-Route-1-ingress-Cluster-2");
        assertThat(proxy.cluster(rule + "-Route-1-Cluster-1").endpoints()).extracting(EndpointInfo::name)
                .allMatch(n -> n.startsWith(rule + "-Route-1-Cluster-1-EndPoint-"));
        assertThat(proxy.isGenerated("rulelist", "l-RuleList-1")).isTrue();
        assertThat(proxy.isGenerated("listener", "l")).isFalse();
    }

    @Test
    void aRejectedChangeChangesNothing() throws Exception {
        proxy.addCluster(ClusterSpec.builder("taken").spec(ProtocolSpec.of("Local")).build()).get(5, SECONDS);
        final String before = ConfigCodec.defaults().toJson(proxy.config());
        // The inline cluster's name is taken: the listener, its rulelist, rule and route must not appear either.
        final ListenerSpec bad = ListenerSpec.builder("l").spec(ProtocolSpec.of("Net"))
                .rule(r -> r.route(rt -> rt.destination(c -> c.name("taken").spec(ProtocolSpec.of("Local")))))
                .build();
        assertThat(cause(() -> proxy.addListener(bad).get(5, SECONDS))).isInstanceOf(ConflictException.class)
                .hasMessageContaining("cluster \"taken\" already exists");
        final ListenerSpec unknown = ListenerSpec.builder("l").spec(ProtocolSpec.of("Net"))
                .rule(r -> r.route(rt -> rt.destination(c -> c.spec(ProtocolSpec.of("Nope")))))
                .build();
        assertThat(cause(() -> proxy.addListener(unknown).get(5, SECONDS))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("listener.rules[0].action.route.destination.spec.protocol: \"Nope\"");
        assertThat(ConfigCodec.defaults().toJson(proxy.config())).isEqualTo(before);
    }

    @Test
    void aConfigWhoseListenerCannotStartChangesNeitherObjectsNorAdmin() throws Exception {
        final String before = proxy.codec().toJson(proxy.config());
        final Config cfg = new Config(AdminSpec.DEFAULT.withLogLevel("warn"),
                List.of(ListenerSpec.builder("nobind").spec(ProtocolSpec.of("NoBind")).build()),
                List.of(ClusterSpec.builder("extra").spec(ProtocolSpec.of("Local")).build()), List.of(), List.of(),
                List.of());
        assertThat(cause(() -> proxy.apply(cfg).get(5, SECONDS))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners[0].spec: cannot listen");
        assertThat(proxy.admin().logLevel()).isNull();
        assertThat(proxy.codec().toJson(proxy.config())).isEqualTo(before);
        proxy.apply(new Config(AdminSpec.DEFAULT.withLogLevel("warn"), List.of(), List.of(), List.of(), List.of(),
                List.of())).get(5, SECONDS);
        assertThat(proxy.admin().logLevel()).isEqualTo("warn");
    }

    @Test
    void duplicatesAndUnknownNamesAreTyped() throws Exception {
        proxy.addRoute(RouteSpec.builder("r").destination("x").build()).get(5, SECONDS);
        assertThat(cause(() -> proxy.addRoute(RouteSpec.builder("r").destination("y").build()).get(5, SECONDS)))
                .isInstanceOf(ConflictException.class);
        assertThat(cause(() -> proxy.deleteRoute("nope", false).get(5, SECONDS)))
                .isInstanceOf(NotFoundException.class).hasMessage("route \"nope\" not found");
        assertThatThrownBy(() -> proxy.listener("nope")).isInstanceOf(NotFoundException.class);
        assertThat(cause(() -> proxy.addEndpoint("nope", EndpointSpec.of("1.2.3.4")).get(5, SECONDS)))
                .isInstanceOf(NotFoundException.class);
    }

    /** Strict mode checks the references of what a change adds, not only those of a config file. */
    @Test
    void strictChangesNameTheirDanglingReferences() throws Exception {
        try (L7mp strict = L7mp.builder().protocol(new NullProtocol("Local", false)).strict(true).build()) {
            strict.start().get(5, SECONDS);
            assertThat(cause(() -> strict.addRoute(RouteSpec.builder("r").destination("nope").build())
                    .get(5, SECONDS))).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("route.destination").hasMessageContaining("cluster \"nope\" not found");
            assertThat(strict.routes()).isEmpty();
            strict.addCluster(ClusterSpec.builder("c").spec(ProtocolSpec.of("Local")).build()).get(5, SECONDS);
            strict.addRoute(RouteSpec.builder("r").destination("c").build()).get(5, SECONDS);
            assertThat(strict.routes()).containsOnlyKeys("r");
        }
        // Not strict: l7mp's behaviour, the route may name a cluster that comes later.
        proxy.addRoute(RouteSpec.builder("later").destination("nope").build()).get(5, SECONDS);
    }

    @Test
    void plainDeleteKeepsEmbeddedObjectsRecursiveDeleteRemovesThem() throws Exception {
        proxy.addListener(listenerWithInlineEverything("a")).get(5, SECONDS);
        proxy.deleteListener("a", false).get(5, SECONDS);
        assertThat(proxy.listeners()).isEmpty();
        assertThat(proxy.ruleLists()).hasSize(1);
        assertThat(proxy.clusters()).hasSize(2);

        proxy.addListener(listenerWithInlineEverything("b")).get(5, SECONDS);
        proxy.addCluster(ClusterSpec.builder("named").spec(ProtocolSpec.of("Local")).build()).get(5, SECONDS);
        proxy.deleteListener("b", true).get(5, SECONDS);
        // a's leftovers and the named cluster stay; everything b defined inline is gone.
        assertThat(proxy.ruleLists()).hasSize(1);
        assertThat(proxy.clusters()).hasSize(3);
    }

    @Test
    void endpointsAndRuleListPositions() throws Exception {
        proxy.addCluster(ClusterSpec.builder("c").spec(ProtocolSpec.of("Net")).build()).get(5, SECONDS);
        proxy.addEndpoint("c", EndpointSpec.of("127.0.0.1").withName("e1")).get(5, SECONDS);
        assertThat(proxy.endpoint("e1").cluster()).isEqualTo("c");
        assertThat(cause(() -> proxy.addEndpoint("c", EndpointSpec.of("127.0.0.2").withName("e1")).get(5, SECONDS)))
                .isInstanceOf(ConflictException.class);
        proxy.deleteEndpoint("e1", false).get(5, SECONDS);
        assertThat(proxy.cluster("c").endpoints()).isEmpty();

        proxy.addRuleList(new io.l7mp.spec.RuleListSpec("rl", java.util.List.of(Ref.to("x")))).get(5, SECONDS);
        proxy.addRuleToRuleList("rl", 0, Ref.inline(RuleSpec.builder(null).route("r").build())).get(5, SECONDS);
        assertThat(proxy.ruleLists().get("rl").rules()).hasSize(2);
        assertThat(proxy.ruleLists().get("rl").rules().get(0).toString()).startsWith("rl-Rule-");
        proxy.deleteRuleFromRuleList("rl", "x", false).get(5, SECONDS);
        proxy.deleteRuleFromRuleList("rl", "0", true).get(5, SECONDS);
        assertThat(proxy.ruleLists().get("rl").rules()).isEmpty();
        assertThat(proxy.rules()).isEmpty();
    }
}
