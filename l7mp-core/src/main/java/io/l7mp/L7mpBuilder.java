package io.l7mp;

import static java.util.Objects.requireNonNull;

import io.l7mp.internal.config.ConfigMapper;
import io.l7mp.internal.engine.Engine;
import io.l7mp.internal.engine.ProtocolRegistry;
import io.l7mp.internal.engine.TransportImpl;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.ProtocolProvider;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link L7mp}. Setters check their own argument; {@link #build()} checks the whole configuration (names,
 * protocols, rules) and binds nothing. Not thread-safe.
 */
public final class L7mpBuilder {
    private @Nullable AdminSpec admin;
    private final List<ListenerSpec> listeners = new ArrayList<>();
    private final List<ClusterSpec> clusters = new ArrayList<>();
    private final List<RuleListSpec> rulelists = new ArrayList<>();
    private final List<RuleSpec> rules = new ArrayList<>();
    private final List<RouteSpec> routes = new ArrayList<>();
    private final List<ProtocolProvider> protocols = new ArrayList<>();
    private @Nullable EventLoopGroup group;
    private boolean shutdownGroup;
    private int threads;
    private @Nullable Integer spinMicros;
    private @Nullable Boolean strict;

    L7mpBuilder() {
    }

    /** Adds everything in an l7mp config (e.g. read with {@link ConfigCodec#read}); its admin block replaces ours. */
    public L7mpBuilder config(Config config) {
        requireNonNull(config, "config");
        if (config.admin() != null) {
            admin = config.admin();
        }
        listeners.addAll(config.listeners());
        clusters.addAll(config.clusters());
        rulelists.addAll(config.rulelists());
        rules.addAll(config.rules());
        routes.addAll(config.routes());
        return this;
    }

    /** Sets the admin block. */
    public L7mpBuilder admin(AdminSpec a) {
        this.admin = requireNonNull(a, "admin");
        return this;
    }

    /** Adds a listener. */
    public L7mpBuilder listener(ListenerSpec spec) {
        listeners.add(requireNonNull(spec, "listener"));
        return this;
    }

    /** Adds a listener built in place: {@code .listener("in", l -> l.spec(UdpSpec.port(5000)).rule(...))}. */
    public L7mpBuilder listener(String name, Consumer<ListenerSpec.Builder> listener) {
        final ListenerSpec.Builder b = ListenerSpec.builder(name);
        listener.accept(b);
        return listener(b.build());
    }

    /** Adds a cluster. */
    public L7mpBuilder cluster(ClusterSpec spec) {
        clusters.add(requireNonNull(spec, "cluster"));
        return this;
    }

    /** Adds a cluster built in place: {@code .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))}. */
    public L7mpBuilder cluster(String name, Consumer<ClusterSpec.Builder> cluster) {
        final ClusterSpec.Builder b = ClusterSpec.builder(name);
        cluster.accept(b);
        return cluster(b.build());
    }

    /** Adds a rule list. */
    public L7mpBuilder ruleList(RuleListSpec spec) {
        rulelists.add(requireNonNull(spec, "rulelist"));
        return this;
    }

    /** Adds a named rule. */
    public L7mpBuilder rule(String name, Consumer<RuleSpec.Builder> rule) {
        final RuleSpec.Builder b = RuleSpec.builder(name);
        rule.accept(b);
        rules.add(b.build());
        return this;
    }

    /** Adds a named route. */
    public L7mpBuilder route(String name, Consumer<RouteSpec.Builder> route) {
        final RouteSpec.Builder b = RouteSpec.builder(name);
        route.accept(b);
        routes.add(b.build());
        return this;
    }

    /** Adds a protocol by hand, beside those found by {@link java.util.ServiceLoader}; it wins a shared name. */
    public L7mpBuilder protocol(ProtocolProvider provider) {
        protocols.add(requireNonNull(provider, "provider"));
        return this;
    }

    /**
     * Runs the proxy on the application's event loops. With {@code shutdownOnClose} false the caller keeps owning
     * them. An epoll group gives the native transport, any other group NIO.
     */
    public L7mpBuilder eventLoopGroup(EventLoopGroup g, boolean shutdownOnClose) {
        this.group = requireNonNull(g, "eventLoopGroup");
        this.shutdownGroup = shutdownOnClose;
        return this;
    }

    /** Sets how many event loops the proxy creates (default: one per core). */
    public L7mpBuilder threads(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("threads: " + n + " (expected: >= 0)");
        }
        this.threads = n;
        return this;
    }

    /**
     * Sets how long, in microseconds, each event loop keeps polling for new events after a round of work before it
     * sleeps (default 30, or {@code -Dl7mp.spinMicros}; 0: sleep right away). Polling picks up a reply
     * that comes back within that time without a sleep and a wake-up, which takes a large share off request/response
     * and ping-pong latency; it yields the core between polls and stops by itself when polls keep finding nothing.
     * Ignored with {@link #eventLoopGroup}, whose loops the application configured.
     */
    public L7mpBuilder spinMicros(int micros) {
        if (micros < 0 || micros > TransportImpl.MAX_SPIN_MICROS) {
            throw new IllegalArgumentException("spinMicros: " + micros + " (expected: 0-"
                    + TransportImpl.MAX_SPIN_MICROS + ")");
        }
        this.spinMicros = micros;
        return this;
    }

    /** Rejects unknown fields and dangling references (l7mp's {@code -s}); default: the admin block's strict. */
    public L7mpBuilder strict(boolean s) {
        this.strict = s;
        return this;
    }

    /** Checks the whole configuration and returns a proxy that is not started yet. */
    public L7mp build() {
        final AdminSpec a = admin == null ? AdminSpec.DEFAULT : admin;
        final boolean st = strict != null ? strict : a.isStrict();
        final Config cfg = new Config(strict != null ? a.withStrict(st) : a, listeners, clusters, rulelists, rules,
                routes);
        final ProtocolRegistry reg = ProtocolRegistry.defaults().with(protocols);
        final ConfigMapper mapper = new ConfigMapper(reg, st);
        Engine.validate(mapper, cfg);
        final TransportImpl t = group != null ? TransportImpl.wrap(group) : TransportImpl.create(threads,
                spinMicros != null ? spinMicros : TransportImpl.spinMicros());
        final Engine engine = new Engine(mapper, t, group == null || shutdownGroup);
        return new L7mp(engine, cfg, ConfigCodec.of(protocols, st));
    }
}
