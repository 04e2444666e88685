package io.l7mp.internal.engine;

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
import java.util.ArrayList;
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
        final Counters counters = new Counters();
        final AtomicInteger sequence = new AtomicInteger();

        ListenerEntry(ListenerSpec spec, boolean generated, ProtocolProvider provider) {
            this.spec = spec;
            this.generated = generated;
            this.provider = provider;
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
        final LoadBalancer<EndpointEntry> balancer;

        ClusterEntry(ClusterSpec spec, boolean generated, ProtocolProvider provider, @Nullable Cluster impl,
                     Counters counters, List<EndpointEntry> endpoints) {
            this.spec = spec;
            this.generated = generated;
            this.provider = provider;
            this.impl = impl;
            this.counters = counters;
            this.endpoints = List.copyOf(endpoints);
            this.balancer = LoadBalancers.create(spec.loadBalancerOrDefault().policy(),
                    spec.loadBalancerOrDefault().key(), this.endpoints, e -> e.spec.weight(), EndpointEntry::id);
        }

        String name() {
            return spec.name() == null ? "" : spec.name();
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
