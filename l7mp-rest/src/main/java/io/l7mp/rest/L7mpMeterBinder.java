package io.l7mp.rest;

import static java.util.Objects.requireNonNull;

import io.l7mp.ClusterInfo;
import io.l7mp.EndpointHealth;
import io.l7mp.EndpointInfo;
import io.l7mp.L7mp;
import io.l7mp.ListenerInfo;
import io.l7mp.SessionEvent;
import io.l7mp.SessionStatus;
import io.l7mp.Stats;
import io.l7mp.UnstableApi;
import io.l7mp.internal.rest.Metrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a proxy's counters in an application's Micrometer {@link MeterRegistry}: the same per-listener,
 * per-cluster and per-endpoint counters and the sessions by status that the {@code Prometheus} endpoint serves, so
 * that a Prometheus registry renders them under the same names. Needs {@code micrometer-core} on the class path (an
 * optional dependency of l7mp-rest: applications that do not use this class do not need it).
 *
 * <pre>{@code
 * L7mpMeterBinder binder = new L7mpMeterBinder(proxy);
 * binder.bindTo(registry);          // also: registry-level binder lists, e.g. Spring Boot's MeterBinder beans
 * ...
 * binder.close();                   // removes the meters
 * }</pre>
 *
 * <p>Meters: {@code l7mp.<kind>.sessions}, {@code .ingress.packets}, {@code .ingress.bytes}, {@code .egress.packets},
 * {@code .egress.bytes}, {@code .errors}, {@code .retries} (function counters) and {@code .active.sessions} (gauge),
 * where {@code <kind>} is {@code listener} (tag {@code listener}), {@code cluster} (tag {@code cluster}) or
 * {@code endpoint} (tags {@code cluster}, {@code endpoint}); {@code l7mp.endpoint.up} (gauge: 1 while the endpoint
 * gets new sessions, 0 while its cluster's health check or circuit breaker keeps it out; tags {@code cluster},
 * {@code endpoint}, {@code health}; only for clusters with a {@code health_check} or {@code circuit_breaker});
 * {@code l7mp.sessions} (gauge, tag {@code status}) and {@code l7mp.info} (gauge 1, tag {@code version}). Values are
 * read from the proxy when the registry reads them; the {@code health} tag follows a change of health at the next
 * re-read (below), which replaces the gauge.
 *
 * <p>Listeners, clusters and endpoints added or deleted after binding are followed: the binder re-reads the proxy's
 * objects when a session starts and whenever a registry reads {@code l7mp.sessions} (every scrape or publication),
 * at most once per {@link #SYNC_INTERVAL} and off the proxy's event loops; {@link #refresh()} does it at once. A
 * deleted object's meters read NaN until then. Thread-safe.
 */
@UnstableApi
public final class L7mpMeterBinder implements MeterBinder, AutoCloseable {
    /** The shortest time between two automatic re-reads of the proxy's objects. */
    public static final Duration SYNC_INTERVAL = Duration.ofSeconds(1);
    private static final Logger logger = LoggerFactory.getLogger(L7mpMeterBinder.class);
    /** How long one read of the session list serves the {@code l7mp.sessions} gauges (one scrape reads them all). */
    private static final long SESSION_SNAPSHOT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final L7mp proxy;
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Per registry, per object key, the object's source and meters. Guarded by {@code this}. */
    private final Map<MeterRegistry, Map<String, Bound>> bound = new LinkedHashMap<>();
    /** Per registry, the meters that do not depend on the proxy's objects. Guarded by {@code this}. */
    private final Map<MeterRegistry, List<Meter>> fixed = new LinkedHashMap<>();
    private @Nullable AutoCloseable subscription;
    private boolean closed;
    private volatile long lastSync;
    private volatile @Nullable SessionSnapshot sessions;

    /** Returns a binder for {@code proxy}; nothing is registered before {@link #bindTo}. */
    public L7mpMeterBinder(L7mp proxy) {
        this.proxy = requireNonNull(proxy, "proxy");
        this.lastSync = System.nanoTime() - SYNC_INTERVAL.toNanos();
    }

    /** Reads the counters of one listener, cluster or endpoint by name; NaN once it is gone. */
    private record Source(Supplier<Stats> stats) {
        double read(ToLongFunction<Stats> field) {
            try {
                return field.applyAsLong(stats.get());
            } catch (final RuntimeException e) {
                return Double.NaN;   // deleted (or the proxy closed): the next sync removes the meter
            }
        }
    }

    /** The object's source, strongly held: Micrometer keeps only a weak reference to a meter's object. */
    private record Bound(Object source, List<Meter> meters) {
    }

    /** One object the proxy has now, and how to register its meters. */
    private interface Target {
        Bound register(MeterRegistry registry);
    }

    /** A listener, cluster or endpoint: its {@link Metrics#FIELDS}. */
    private record StatsTarget(String kind, Tags tags, Source source) implements Target {
        @Override
        public Bound register(MeterRegistry registry) {
            return registerStats(registry, this);
        }
    }

    /**
     * {@code l7mp.endpoint.up} of one endpoint of a cluster with a health check or circuit breaker. Its {@code health}
     * tag is the health at the sync that registered it, part of its key in {@link #targets()}: when the health
     * changes, the next sync replaces the gauge, as the Prometheus endpoint's series changes its label.
     */
    private record UpTarget(Tags tags, Supplier<EndpointHealth> health) implements Target {
        @Override
        public Bound register(MeterRegistry registry) {
            final Gauge g = Gauge.builder("l7mp.endpoint.up", this, UpTarget::read).tags(tags)
                    .description(Metrics.ENDPOINT_UP_HELP).strongReference(true).register(registry);
            return new Bound(this, List.of(g));
        }

        double read() {
            try {
                return health.get() == EndpointHealth.HEALTHY ? 1 : 0;
            } catch (final RuntimeException e) {
                return Double.NaN;   // deleted (or the proxy closed): the next sync removes the meter
            }
        }
    }

    private record SessionSnapshot(long taken, Map<SessionStatus, Integer> byStatus) {
    }

    /** Registers the meters of every object the proxy has now, and follows later changes (see the class comment). */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("binder closed");
        }
        if (bound.containsKey(registry)) {
            return;
        }
        bound.put(registry, new HashMap<>());
        final List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("l7mp.info", () -> 1).tag("version", L7mp.VERSION)
                .description("The l7mp library version.").strongReference(true).register(registry));
        for (final SessionStatus s : SessionStatus.values()) {
            meters.add(Gauge.builder("l7mp.sessions", this, b -> b.sessionCount(s)).tag("status", s.name())
                    .description("Sessions in the session list, by status.").strongReference(true)
                    .register(registry));
        }
        fixed.put(registry, meters);
        if (subscription == null) {
            subscription = proxy.subscribe(this::onEvent);
        }
        sync();
    }

    /** Re-reads the proxy's objects now: adds meters for new listeners, clusters and endpoints, removes gone ones. */
    public synchronized void refresh() {
        if (!closed) {
            sync();
        }
    }

    /** Stops following the proxy and removes every meter this binder registered. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        final AutoCloseable s = subscription;
        subscription = null;
        if (s != null) {
            try {
                s.close();
            } catch (final Exception e) {
                logger.debug("unsubscribing from the proxy failed: {}", e.toString());
            }
        }
        for (final Map.Entry<MeterRegistry, Map<String, Bound>> e : bound.entrySet()) {
            for (final Bound b : e.getValue().values()) {
                b.meters().forEach(e.getKey()::remove);
            }
        }
        fixed.forEach((r, meters) -> meters.forEach(r::remove));
        bound.clear();
        fixed.clear();
    }

    private void onEvent(SessionEvent e) {
        // A session starting may be the first sign of an object added since the last sync. Runs on the event loop:
        // only schedule.
        if ("INIT".equals(e.event())) {
            requestSync();
        }
    }

    private double sessionCount(SessionStatus status) {
        requestSync();
        final long now = System.nanoTime();
        SessionSnapshot s = sessions;
        if (s == null || now - s.taken() > SESSION_SNAPSHOT_NANOS) {
            try {
                s = new SessionSnapshot(now, Metrics.byStatus(proxy.sessions()));
            } catch (final RuntimeException e) {
                return Double.NaN;
            }
            sessions = s;
        }
        return s.byStatus().getOrDefault(status, 0);
    }

    /** Schedules one sync, coalescing requests, no sooner than {@link #SYNC_INTERVAL} after the last one. */
    private void requestSync() {
        if (closed || !pending.compareAndSet(false, true)) {
            return;
        }
        final long wait = Math.max(0, lastSync + SYNC_INTERVAL.toNanos() - System.nanoTime());
        CompletableFuture.runAsync(() -> {
            pending.set(false);
            refresh();
        }, CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS));
    }

    /** Brings every registry's meters in line with the proxy's objects. Holds the lock. */
    private void sync() {
        lastSync = System.nanoTime();
        final Map<String, Target> want;
        try {
            want = targets();
        } catch (final RuntimeException e) {
            logger.debug("cannot read the proxy's objects: {}", e.toString());
            return;
        }
        for (final Map.Entry<MeterRegistry, Map<String, Bound>> e : bound.entrySet()) {
            final MeterRegistry registry = e.getKey();
            final Map<String, Bound> have = e.getValue();
            for (final var it = have.entrySet().iterator(); it.hasNext(); ) {
                final Map.Entry<String, Bound> b = it.next();
                if (!want.containsKey(b.getKey())) {
                    b.getValue().meters().forEach(registry::remove);
                    it.remove();
                }
            }
            for (final Map.Entry<String, Target> t : want.entrySet()) {
                if (!have.containsKey(t.getKey())) {
                    have.put(t.getKey(), t.getValue().register(registry));
                }
            }
        }
    }

    private Map<String, Target> targets() {
        final Map<String, Target> want = new LinkedHashMap<>();
        for (final ListenerInfo l : proxy.listeners()) {
            final String name = l.name();
            want.put("listener\u0000" + name, new StatsTarget("listener", Tags.of("listener", name),
                    new Source(() -> proxy.listener(name).stats())));
        }
        for (final ClusterInfo c : proxy.clusters()) {
            final String cluster = c.name();
            want.put("cluster\u0000" + cluster, new StatsTarget("cluster", Tags.of("cluster", cluster),
                    new Source(() -> proxy.cluster(cluster).stats())));
            final boolean guarded = c.spec().healthCheck() != null || c.spec().circuitBreaker() != null;
            for (final EndpointInfo ep : c.endpoints()) {
                final String name = ep.name();
                final Tags tags = Tags.of("cluster", cluster, "endpoint", name);
                want.put("endpoint\u0000" + cluster + "\u0000" + name, new StatsTarget("endpoint", tags,
                        new Source(() -> endpointStats(cluster, name))));
                if (guarded) {
                    final String health = Metrics.healthLabel(ep.health());
                    want.put("endpoint.up\u0000" + cluster + "\u0000" + name + "\u0000" + health, new UpTarget(
                            tags.and("health", health), () -> endpoint(cluster, name).health()));
                }
            }
        }
        return want;
    }

    private Stats endpointStats(String cluster, String name) {
        return endpoint(cluster, name).stats();
    }

    private EndpointInfo endpoint(String cluster, String name) {
        final EndpointInfo e = proxy.endpoint(name);
        if (!e.cluster().equals(cluster)) {
            throw new IllegalStateException("endpoint " + name + " moved to cluster " + e.cluster());
        }
        return e;
    }

    private static Bound registerStats(MeterRegistry registry, StatsTarget t) {
        final List<Meter> meters = new ArrayList<>(Metrics.FIELDS.size());
        for (final Metrics.Field f : Metrics.FIELDS) {
            final String name = "l7mp." + t.kind() + "." + f.suffix().replaceFirst("_total$", "").replace('_', '.');
            final String help = f.help() + " per " + t.kind() + ".";
            final String unit = name.endsWith(".bytes") ? BaseUnits.BYTES : null;
            final ToLongFunction<Stats> field = f.value();
            if (f.counter()) {
                meters.add(FunctionCounter.builder(name, t.source(), s -> s.read(field)).tags(t.tags())
                        .description(help).baseUnit(unit).register(registry));
            } else {
                meters.add(Gauge.builder(name, t.source(), s -> s.read(field)).tags(t.tags()).description(help)
                        .baseUnit(unit).strongReference(true).register(registry));
            }
        }
        return new Bound(t.source(), meters);
    }
}
