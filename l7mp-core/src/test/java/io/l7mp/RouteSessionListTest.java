package io.l7mp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.PseudoClusterProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.SessionSetup;
import io.l7mp.spi.SessionUpdate;
import io.l7mp.spi.Stage;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** A route's {@code session} list on the control path: read, named, checked, written back, deleted. */
class RouteSessionListTest {
    private static final List<NullProtocol> PROTOCOLS = List.of(new NullProtocol("Net", true),
            new NullProtocol("Local", false));

    @Test
    void theSessionListIsReadAsNamesOrInlineClustersAndWrittenBackOnlyWhenGiven() {
        final ConfigCodec codec = ConfigCodec.of(PROTOCOLS, false);
        final Config cfg = codec.readConfig("""
                routes:
                  - {name: r, destination: d, session: [hook, {spec: {protocol: Local}}]}
                  - {name: plain, destination: d}
                """, true);
        final RouteSpec r = cfg.routes().get(0);
        assertThat(r.session()).hasSize(2);
        assertThat(r.session().get(0)).isEqualTo(Ref.to("hook"));
        assertThat(r.session().get(1)).isInstanceOf(Ref.Inline.class);
        assertThat(codec.toTree(r).get("session").toString())
                .isEqualTo("[\"hook\",{\"spec\":{\"protocol\":\"Local\"}}]");
        // l7mp's route shape is unchanged for routes without session transforms.
        assertThat(codec.toTree(cfg.routes().get(1)).has("session")).isFalse();
        assertThat(RouteSpec.builder("b").destination("d").session("x").session(c -> c.spec(
                ProtocolSpec.of("Local"))).build().session()).hasSize(2);
        assertThat(new RouteSpec("c", Ref.to("d"), null, null, null).session()).isEmpty();
    }

    /** A session transform that changes nothing. */
    static final class Hook extends PseudoClusterProvider {
        Hook() {
            super("Hook");
        }

        @Override
        public Cluster newCluster(ClusterContext ctx) {
            final class C implements Cluster, SessionHook {
                @Override
                public Future<Stage> connect(ConnectRequest r) {
                    return r.eventLoop().newFailedFuture(new SessionError(502, "no stage"));
                }

                @Override
                public Future<SessionUpdate> setup(SessionSetup s) {
                    return s.eventLoop().newSucceededFuture(SessionUpdate.NONE);
                }
            }
            return new C();
        }
    }

    @Test
    void inlineSessionClustersGetGeneratedNamesAndGoWithARecursiveDelete() throws Exception {
        try (L7mp proxy = L7mp.builder().protocol(PROTOCOLS.get(1)).protocol(new Hook()).build()) {
            proxy.start().get(5, SECONDS);
            proxy.addRoute(RouteSpec.builder("r").destination("d")
                    .session(c -> c.spec(ProtocolSpec.of("Hook"))).build()).get(5, SECONDS);
            final String generated = proxy.routes().get("r").session().get(0).toString();
            assertThat(generated).startsWith("r-session-Cluster-");
            assertThat(proxy.isGenerated("cluster", generated)).isTrue();
            proxy.deleteRoute("r", true).get(5, SECONDS);
            assertThat(proxy.clusters()).isEmpty();
            // A cluster that exists and is no session transform is refused with its path; nothing is added.
            assertThatThrownBy(() -> proxy.addRoute(RouteSpec.builder("bad").destination("d")
                    .session(c -> c.spec(ProtocolSpec.of("Local"))).build()).get(5, SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("route.session[0]: cluster \"bad-session-Cluster-")
                    .hasMessageEndingWith("(Local) is not a session transform (expected: a cluster whose protocol "
                            + "rewrites metadata at setup)");
            assertThat(proxy.clusters()).isEmpty();
            assertThat(proxy.routes()).isEmpty();
        }
    }

    @Test
    void strictModeWantsEverySessionClusterToExist() {
        assertThatThrownBy(() -> L7mp.builder().protocol(PROTOCOLS.get(1)).strict(true)
                .cluster("d", c -> c.spec(ProtocolSpec.of("Local")))
                .route("r", rt -> rt.destination("d").session("missing")).build())
                .isInstanceOf(ConfigException.class).hasMessage("routes[0].session[0]: cluster \"missing\" not found");
        // Without strict mode names are late-bound, as in l7mp.
        try (L7mp proxy = L7mp.builder().protocol(PROTOCOLS.get(1))
                .cluster("d", c -> c.spec(ProtocolSpec.of("Local")))
                .route("r", rt -> rt.destination("d").session("missing")).build()) {
            assertThat(proxy).isNotNull();
        }
    }
}
