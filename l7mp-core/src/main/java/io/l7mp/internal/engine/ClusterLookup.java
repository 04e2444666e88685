package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.EndpointEntry;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.NamedCluster;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.SessionSetup;
import io.l7mp.spi.SessionUpdate;
import io.l7mp.spi.Stage;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A running cluster handed to a composite by name: connects a stage as a session's hop does (its own load balancer,
 * its counters), without being a hop of the session.
 */
final class ClusterLookup implements NamedCluster {
    /** How deep composites may name each other within one connect; deeper is a loop. */
    static final int MAX_DEPTH = 8;
    /** Named connects nest synchronously on one loop (a composite connects its parts inside its own connect). */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final ClusterEntry cluster;

    private ClusterLookup(ClusterEntry cluster) {
        this.cluster = cluster;
    }

    /** Returns the cluster in {@code s}, else in {@code pending} (a change being committed), or null. */
    static @Nullable NamedCluster find(State s, @Nullable State pending, String name) {
        ClusterEntry c = s.clusters().get(name);
        if (c == null && pending != null) {
            c = pending.clusters().get(name);
        }
        return c == null || c.impl == null ? null : new ClusterLookup(c);
    }

    @Override
    public String name() {
        return cluster.name();
    }

    @Override
    public ProtocolProvider provider() {
        return cluster.provider;
    }

    /** Returns the hook, counting each session it sets up in the cluster's counters, as a route's hooks do. */
    @Override
    public @Nullable SessionHook hook() {
        if (!(cluster.impl instanceof SessionHook h)) {
            return null;
        }
        return new SessionHook() {
            @Override
            public Future<SessionUpdate> setup(SessionSetup setup) {
                final Future<SessionUpdate> f = h.setup(setup);
                f.addListener(x -> {
                    if (x.isSuccess()) {
                        cluster.counters.sessions.increment();
                    }
                });
                return f;
            }

            @Override
            public void teardown(String sessionName, EventLoop eventLoop, JsonNode metadata,
                                 @Nullable Throwable cause) {
                h.teardown(sessionName, eventLoop, metadata, cause);
            }
        };
    }

    @Override
    public Future<Stage> connect(ConnectRequest request) {
        final int[] depth = DEPTH.get();
        if (depth[0] >= MAX_DEPTH) {
            return request.eventLoop().newFailedFuture(new SessionError(508, "cluster " + name()
                    + ": clusters name each other in a loop (deeper than " + MAX_DEPTH + ")"));
        }
        depth[0]++;
        try {
            final Future<Stage> f = open(request);
            f.addListener(x -> {
                if (x.isSuccess()) {
                    cluster.counters.sessions.increment();
                }
            });
            return f;
        } catch (final RuntimeException e) {
            return request.eventLoop().newFailedFuture(e);
        } finally {
            depth[0]--;
        }
    }

    private Future<Stage> open(ConnectRequest r) {
        if (!cluster.provider.hasEndpoints()) {
            return cluster.impl.connect(to(r, null));
        }
        if (cluster.fanOut()) {
            return fanOut(r, cluster.pickAll(r.metadata()));
        }
        final EndpointEntry e = cluster.pick(r.metadata());
        if (e == null) {
            return r.eventLoop().newFailedFuture(cluster.noEndpoint());
        }
        return cluster.impl.connect(to(r, e.spec));
    }

    private static ConnectRequest to(ConnectRequest r, @Nullable EndpointSpec endpoint) {
        return new ConnectRequest(r.sessionName(), r.eventLoop(), endpoint, r.metadata(), r.timeoutMillis(),
                r.source());
    }

    /** As a session's destination does: one stage to every picked endpoint, behind one. */
    private Future<Stage> fanOut(ConnectRequest r, List<EndpointEntry> eps) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        if (eps.isEmpty()) {
            return p.setFailure(cluster.noEndpoint());
        }
        final List<Stage> ok = new ArrayList<>();
        final int[] left = {eps.size()};
        for (final EndpointEntry e : eps) {
            cluster.impl.connect(to(r, e.spec)).addListener(f -> {
                if (f.isSuccess()) {
                    ok.add((Stage) f.getNow());
                }
                if (--left[0] == 0) {
                    if (ok.isEmpty()) {
                        p.tryFailure(f.cause() != null ? f.cause() : new SessionError(502, "fan-out failed"));
                    } else if (!p.trySuccess(new FanOutStage(r.eventLoop(), ok))) {
                        ok.forEach(s -> s.close(null));
                    }
                }
            });
        }
        return p;
    }
}
