package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.internal.lb.LoadBalancer;
import io.l7mp.internal.lb.LoadBalancers;
import io.l7mp.internal.rules.Matcher;
import io.l7mp.internal.rules.Rewriter;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** The running objects of the engine; each is immutable except its counters and its protocol object. */
final class Entries {
    private Entries() {
    }

    /** A listener: its flattened spec (rules by name) and its protocol side. */
    static final class ListenerEntry {
        final ListenerSpec spec;
        final boolean generated;
        final ProtocolProvider provider;
        @Nullable Listener impl;
        final Counters counters;
        final AtomicInteger sequence;

        ListenerEntry(ListenerSpec spec, boolean generated, ProtocolProvider provider) {
            this(spec, generated, provider, new Counters(), new AtomicInteger());
        }

        private ListenerEntry(ListenerSpec spec, boolean generated, ProtocolProvider provider, Counters counters,
                              AtomicInteger sequence) {
            this.spec = spec;
            this.generated = generated;
            this.provider = provider;
            this.counters = counters;
            this.sequence = sequence;
        }

        /** The same listener (socket, counters, session numbering) with other rules or options. */
        ListenerEntry withSpec(ListenerSpec s) {
            final ListenerEntry e = new ListenerEntry(s, generated, provider, counters, sequence);
            e.impl = impl;
            return e;
        }

        String name() {
            return spec.name();
        }

        String ruleList() {
            return ((Ref.Named<RuleListSpec>) spec.rules()).name();
        }
    }

    /** An endpoint and its counters. */
    static final class EndpointEntry {
        final String cluster;
        final EndpointSpec spec;
        final Counters counters;
        final EndpointState state = new EndpointState();

        EndpointEntry(String cluster, EndpointSpec spec, Counters counters) {
            this.cluster = cluster;
            this.spec = spec;
            this.counters = counters;
        }

        String name() {
            return spec.name() == null ? "" : spec.name();
        }

        String id() {
            return spec.spec().address() + (spec.spec().port() == null ? "" : ":" + spec.spec().port());
        }
    }

    /** A cluster: flattened spec (endpoints named), protocol side, endpoints and their balancer. */
    static final class ClusterEntry {
        final ClusterSpec spec;
        final boolean generated;
        final ProtocolProvider provider;
        final @Nullable Cluster impl;
        final Counters counters;
        final List<EndpointEntry> endpoints;
        private final LoadBalancer<EndpointEntry> balancer;
        /** Whether a health check or circuit breaker can take endpoints out of the balancer. */
        private final boolean guarded;
        /** The balancer over the endpoints available at the last pick, rebuilt when that set changes. */
        private volatile @Nullable Available available;

        private record Available(boolean[] up, @Nullable LoadBalancer<EndpointEntry> balancer) {
        }

        ClusterEntry(ClusterSpec spec, boolean generated, ProtocolProvider provider, @Nullable Cluster impl,
                     Counters counters, List<EndpointEntry> endpoints) {
            this.spec = spec;
            this.generated = generated;
            this.provider = provider;
            this.impl = impl;
            this.counters = counters;
            this.endpoints = List.copyOf(endpoints);
            this.balancer = balancer(this.endpoints);
            this.guarded = spec.healthCheck() != null || spec.circuitBreaker() != null;
        }

        private LoadBalancer<EndpointEntry> balancer(List<EndpointEntry> eps) {
            return LoadBalancers.create(spec.loadBalancerOrDefault().policy(), spec.loadBalancerOrDefault().key(), eps,
                    e -> e.spec.weight(), EndpointEntry::id);
        }

        String name() {
            return spec.name() == null ? "" : spec.name();
        }

        boolean fanOut() {
            return balancer.fanOut();
        }

        /** Returns the endpoint for a new session, or null when there is none (or none available). */
        @Nullable EndpointEntry pick(JsonNode metadata) {
            final LoadBalancer<EndpointEntry> b = current();
            return b == null ? null : b.pick(metadata);
        }

        /** Returns the endpoints a fan-out session sends to, available ones only. */
        List<EndpointEntry> pickAll(JsonNode metadata) {
            final LoadBalancer<EndpointEntry> b = current();
            return b == null ? List.of() : b.pickAll(metadata);
        }

        /** Why {@link #pick} found nothing: no endpoint at all (404), or none that is up (503). */
        SessionError noEndpoint() {
            if (!guarded || endpoints.isEmpty()) {
                return new SessionError(404, "No endpoint in cluster " + name());
            }
            final long now = System.nanoTime();
            int unhealthy = 0;
            int ejected = 0;
            for (final EndpointEntry e : endpoints) {
                switch (e.state.health(now)) {
                    case UNHEALTHY -> unhealthy++;
                    case EJECTED -> ejected++;
                    default -> { }
                }
            }
            return new SessionError(503, "No healthy endpoint in cluster " + name() + " (" + unhealthy
                    + " failing the health check, " + ejected + " ejected by the circuit breaker)");
        }

        private @Nullable LoadBalancer<EndpointEntry> current() {
            if (!guarded) {
                return balancer;
            }
            final long now = System.nanoTime();
            final boolean[] up = new boolean[endpoints.size()];
            int count = 0;
            for (int i = 0; i < up.length; i++) {
                up[i] = endpoints.get(i).state.available(now);
                count += up[i] ? 1 : 0;
            }
            if (count == up.length) {
                return balancer;
            }
            final Available a = available;
            if (a != null && Arrays.equals(a.up, up)) {
                return a.balancer;
            }
            final List<EndpointEntry> eps = new ArrayList<>(count);
            for (int i = 0; i < up.length; i++) {
                if (up[i]) {
                    eps.add(endpoints.get(i));
                }
            }
            final Available n = new Available(up, count == 0 ? null : balancer(eps));
            available = n;
            return n.balancer;
        }

        ClusterEntry withEndpoints(List<EndpointEntry> eps) {
            final List<EndpointSpec> specs = new ArrayList<>();
            for (final EndpointEntry e : eps) {
                specs.add(e.spec);
            }
            return new ClusterEntry(spec.withEndpoints(specs), generated, provider, impl, counters, eps);
        }
    }

    /** A rule list: rule names in order. */
    record RuleListEntry(RuleListSpec spec, boolean generated) {
        List<String> ruleNames() {
            final List<String> n = new ArrayList<>(spec.rules().size());
            for (final Ref<RuleSpec> r : spec.rules()) {
                n.add(((Ref.Named<RuleSpec>) r).name());
            }
            return n;
        }
    }

    /** A rule with its compiled match and rewrite. */
    record RuleEntry(RuleSpec spec, boolean generated, Matcher matcher, @Nullable Rewriter rewriter) {
        @Nullable String routeName() {
            return spec.action().route() instanceof Ref.Named<RouteSpec> n ? n.name() : null;
        }
    }

    /** A route (clusters by name). */
    record RouteEntry(RouteSpec spec, boolean generated) {
        String name() {
            return spec.name() == null ? "" : spec.name();
        }

        /** Every cluster the route names: destination, ingress, egress, session. */
        List<String> allClusters() {
            final List<String> all = new ArrayList<>();
            all.add(destination());
            all.addAll(ingress());
            all.addAll(egress());
            all.addAll(session());
            return all;
        }

        String destination() {
            return ((Ref.Named<ClusterSpec>) spec.destination()).name();
        }

        List<String> ingress() {
            return names(spec.ingress());
        }

        List<String> egress() {
            return names(spec.egress());
        }

        List<String> session() {
            return names(spec.session());
        }

        private static List<String> names(List<Ref<ClusterSpec>> refs) {
            final List<String> n = new ArrayList<>(refs.size());
            for (final Ref<ClusterSpec> r : refs) {
                n.add(((Ref.Named<ClusterSpec>) r).name());
            }
            return n;
        }
    }
}
