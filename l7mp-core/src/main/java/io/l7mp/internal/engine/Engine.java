package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.ClusterInfo;
import io.l7mp.ConfigException;
import io.l7mp.ConflictException;
import io.l7mp.EndpointInfo;
import io.l7mp.L7mpException;
import io.l7mp.ListenerInfo;
import io.l7mp.NotFoundException;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.Stats;
import io.l7mp.SyncResult;
import io.l7mp.internal.config.ConfigMapper;
import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.EndpointEntry;
import io.l7mp.internal.engine.Entries.ListenerEntry;
import io.l7mp.internal.engine.Entries.RouteEntry;
import io.l7mp.internal.engine.Entries.RuleEntry;
import io.l7mp.internal.engine.Entries.RuleListEntry;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.NamedCluster;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registries and their one writer. Every change runs on the control thread against a private copy of the state
 * ({@link Txn}) and is published as a whole; readers and the data path see immutable {@link State} snapshots.
 */
public final class Engine {
    private static final Logger logger = LoggerFactory.getLogger(Engine.class);
    /** How long a listener may take to bind. */
    private static final long START_TIMEOUT_SECONDS = 10;
    private static final int BOUNDARY_WARNINGS = 1024;

    private final ConfigMapper mapper;
    private final TransportImpl transport;
    private final boolean ownsGroup;
    private volatile State state = State.EMPTY;
    /** The state being committed while its new listeners start; null otherwise. */
    private volatile @Nullable State pending;
    private volatile AdminSpec admin = AdminSpec.DEFAULT;
    private final ConcurrentHashMap<String, SessionImpl> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> ids = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<SessionEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final Set<String> boundaryWarnings = ConcurrentHashMap.newKeySet();
    private final ExecutorService control;
    private volatile boolean closed;
    private volatile io.l7mp.@Nullable L7mp facade;
    private final HealthChecks healthChecks;

    public Engine(ConfigMapper mapper, TransportImpl transport, boolean ownsGroup) {
        this.mapper = mapper;
        this.transport = transport;
        this.ownsGroup = ownsGroup;
        this.control = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "l7mp-control");
            t.setDaemon(true);
            return t;
        });
        this.healthChecks = new HealthChecks(this, transport.group());
    }

    /** Sets the public face of this engine, which {@link ClusterContext#proxy()} returns. */
    public void facade(io.l7mp.L7mp l) {
        this.facade = l;
    }

    public ConfigMapper mapper() {
        return mapper;
    }

    public Transport transport() {
        return transport;
    }

    State state() {
        return state;
    }

    /**
     * Returns a cluster by name from the committed state, or from the state being committed: a session that a
     * starting listener emits may use a cluster added in the same change. Pending is read first for the reason given
     * in {@link #newSession}.
     */
    @Nullable ClusterEntry clusterForSession(String name) {
        final State p = pending;
        final ClusterEntry c = state.clusters().get(name);
        return c != null || p == null ? c : p.clusters().get(name);
    }

    public AdminSpec admin() {
        return admin;
    }

    int nextId(String kind) {
        return ids.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }

    // ------------------------------------------------------------------ whole configs

    /** Checks a whole config without creating anything; throws {@link ConfigException} naming the bad field. */
    public static void validate(ConfigMapper mapper, Config cfg) {
        final Engine dry = new Engine(mapper, new TransportImpl("none", false, null), false);
        try {
            dry.load(new Txn(dry, State.EMPTY, true), cfg);
        } finally {
            dry.control.shutdown();
        }
    }

    /** Applies a whole config as one change (clusters, listeners, rulelists, rules, routes, as l7mp orders them). */
    public CompletableFuture<Void> apply(Config cfg) {
        return change(t -> load(t, cfg), cfg.admin());
    }

    private void load(Txn t, Config cfg) {
        try {
            for (int i = 0; i < cfg.clusters().size(); i++) {
                t.addCluster(cfg.clusters().get(i), false, "clusters[" + i + "]", null);
            }
            for (int i = 0; i < cfg.listeners().size(); i++) {
                t.addListener(cfg.listeners().get(i), false, "listeners[" + i + "]");
            }
            for (int i = 0; i < cfg.rulelists().size(); i++) {
                t.addRuleList(cfg.rulelists().get(i), false, "rulelists[" + i + "]", null);
            }
            for (int i = 0; i < cfg.rules().size(); i++) {
                t.addRule(cfg.rules().get(i), false, "rules[" + i + "]", null);
            }
            for (int i = 0; i < cfg.routes().size(); i++) {
                t.addRoute(cfg.routes().get(i), false, "routes[" + i + "]", null);
            }
        } catch (final ConflictException e) {
            throw new ConfigException("", e.getMessage(), e);
        }
        if (cfg.adminOrDefault().isStrict() || mapper.strict()) {
            checkReferences(t, false);
        }
    }

    /**
     * Strict mode: every name a listener, rule or route refers to must exist. The error names where the reference
     * stands in the config ({@code listeners[0].rules}, {@code routes[1].ingress[0]}). With {@code addedOnly}, only
     * the objects this change adds are checked: a change over the API is not refused for what was there before it.
     */
    private static void checkReferences(Txn t, boolean addedOnly) {
        for (final ListenerEntry l : t.listeners.values()) {
            if (addedOnly && !t.paths.containsKey("listener:" + l.name())) {
                continue;
            }
            if (!t.rulelists.containsKey(l.ruleList())) {
                throw new ConfigException(t.paths.getOrDefault("listener:" + l.name(), "listeners." + l.name()
                        + ".rules"), "rulelist \"" + l.ruleList() + "\" not found");
            }
        }
        for (final RuleListEntry rl : t.rulelists.values()) {
            if (addedOnly && !t.paths.containsKey("rulelist:" + rl.spec().name())) {
                continue;
            }
            final String base = t.paths.getOrDefault("rulelist:" + rl.spec().name(), "rulelists."
                    + rl.spec().name() + ".rules");
            for (int i = 0; i < rl.ruleNames().size(); i++) {
                final String r = rl.ruleNames().get(i);
                if (!t.rules.containsKey(r)) {
                    throw new ConfigException(base + "[" + i + "]", "rule \"" + r + "\" not found");
                }
            }
        }
        for (final RuleEntry r : t.rules.values()) {
            if (addedOnly && !t.paths.containsKey("rule:" + r.spec().name())) {
                continue;
            }
            final String route = r.routeName();
            if (route != null && !t.routes.containsKey(route)) {
                throw new ConfigException(t.paths.getOrDefault("rule:" + r.spec().name(), "rules." + r.spec().name()
                        + ".action.route"), "route \"" + route + "\" not found");
            }
        }
        for (final RouteEntry r : t.routes.values()) {
            if (addedOnly && !t.paths.containsKey("route:" + r.name())) {
                continue;
            }
            final String base = t.paths.getOrDefault("route:" + r.name(), "routes." + r.name());
            checkCluster(t, base + ".destination", r.destination());
            checkClusters(t, base + ".ingress", r.ingress());
            checkClusters(t, base + ".egress", r.egress());
            checkClusters(t, base + ".session", r.session());
        }
    }

    private static void checkClusters(Txn t, String path, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            checkCluster(t, path + "[" + i + "]", names.get(i));
        }
    }

    private static void checkCluster(Txn t, String path, String name) {
        if (!t.clusters.containsKey(name)) {
            throw new ConfigException(path, "cluster \"" + name + "\" not found");
        }
    }

    // ------------------------------------------------------------------ changes

    /** Runs one change on the control thread; the future fails with the typed error and nothing changed. */
    public CompletableFuture<Void> change(Consumer<Txn> body) {
        return change(body, null);
    }

    /** Runs a change that also replaces the admin settings (when {@code newAdmin} is not null), all or nothing. */
    private CompletableFuture<Void> change(Consumer<Txn> body, @Nullable AdminSpec newAdmin) {
        if (closed) {
            return CompletableFuture.failedFuture(new L7mpException("the proxy is closed"));
        }
        return CompletableFuture.runAsync(() -> {
            final Txn t = new Txn(this, state, false);
            final AdminSpec before = admin;
            try {
                body.accept(t);
                if ((newAdmin != null ? newAdmin : admin).isStrict() || mapper.strict()) {
                    checkReferences(t, true);
                }
                if (newAdmin != null) {
                    // Before the commit: listeners it starts answer their first request under the new settings
                    // (the REST API's token among them). Restored below if the commit fails.
                    admin = newAdmin;
                }
                commit(t);
                t.afterCommit.forEach(Runnable::run);
            } catch (final RuntimeException e) {
                admin = before;
                for (final ClusterEntry c : t.addedClusters) {
                    closeQuietly(c);
                }
                throw e;
            }
        }, control);
    }

    // ------------------------------------------------------------------ declarative sync

    /** What each object the last sync applied was given as ("cluster:up" -> its spec). Control thread only. */
    private final Map<String, Object> synced = new HashMap<>();
    /**
     * The state the last sync committed. An object whose entry is no longer the one it committed was changed by other
     * means since (the REST API, the builder's methods): the next sync applies it again even if its desired spec is
     * the same, so that a control plane's resync undoes drift.
     */
    private State syncedState = State.EMPTY;
    /** The objects that synced objects defined inline (by {@code kind:name}), as the syncs left them. */
    private Map<String, Object> syncedInline = Map.of();

    /**
     * Makes the running config match {@code desired} in one change: objects it names are added, changed (in place
     * where the protocol spec stays: sockets, sessions and counters survive) or left alone when equal to what the
     * last sync applied; objects the last sync applied and {@code desired} no longer names are deleted. Objects no
     * sync made (the static config's, the API's) are left alone unless {@code desired} names them.
     */
    public CompletableFuture<SyncResult> sync(Config desired) {
        final SyncResult[] out = new SyncResult[1];
        return change(t -> out[0] = syncInto(t, desired)).thenApply(v -> out[0]);
    }

    private SyncResult syncInto(Txn t, Config d) {
        final SyncPlan plan = new SyncPlan(t);
        final Map<String, String> wanted = new HashMap<>();
        names(wanted, "cluster", "clusters", d.clusters(), ClusterSpec::name);
        names(wanted, "listener", "listeners", d.listeners(), ListenerSpec::name);
        names(wanted, "rulelist", "rulelists", d.rulelists(), RuleListSpec::name);
        names(wanted, "rule", "rules", d.rules(), RuleSpec::name);
        names(wanted, "route", "routes", d.routes(), RouteSpec::name);
        // Removes first, users before what they use: a listener before its rules, a route before its clusters.
        for (final String kind : List.of("listener", "rulelist", "rule", "route", "cluster")) {
            for (final String key : new ArrayList<>(synced.keySet())) {
                final String name = key.substring(kind.length() + 1);
                if (key.startsWith(kind + ":") && !wanted.containsKey(key) && t.has(kind, name)) {
                    t.delete(kind, name);
                    plan.removed.add(kind + "/" + name);
                }
            }
        }
        try {
            for (int i = 0; i < d.clusters().size(); i++) {
                final ClusterSpec c = d.clusters().get(i);
                final String path = "clusters[" + i + "]";
                plan.apply("cluster", c.name(), c, () -> t.addCluster(c, false, path, null), () -> {
                    final ClusterEntry run = t.clusters.get(c.name());
                    if (!t.typedFor(c.spec(), run.provider, false, path + ".spec").equals(run.spec.spec())) {
                        return false;
                    }
                    t.updateCluster(c, path);
                    return true;
                });
            }
            for (int i = 0; i < d.listeners().size(); i++) {
                final ListenerSpec l = d.listeners().get(i);
                final String path = "listeners[" + i + "]";
                plan.apply("listener", l.name(), l, () -> t.addListener(l, false, path), () -> {
                    final ListenerEntry run = t.listeners.get(l.name());
                    if (!t.typedFor(l.spec(), run.provider, true, path + ".spec").equals(run.spec.spec())) {
                        return false;
                    }
                    t.updateListener(l, path);
                    return true;
                });
            }
            for (int i = 0; i < d.rulelists().size(); i++) {
                final RuleListSpec rl = d.rulelists().get(i);
                final String path = "rulelists[" + i + "]";
                plan.apply("rulelist", rl.name(), rl, () -> t.addRuleList(rl, false, path, null), () -> false);
            }
            for (int i = 0; i < d.rules().size(); i++) {
                final RuleSpec r = d.rules().get(i);
                final String path = "rules[" + i + "]";
                plan.apply("rule", r.name(), r, () -> t.addRule(r, false, path, null), () -> false);
            }
            for (int i = 0; i < d.routes().size(); i++) {
                final RouteSpec r = d.routes().get(i);
                final String path = "routes[" + i + "]";
                plan.apply("route", r.name(), r, () -> t.addRoute(r, false, path, null), () -> {
                    // Its sessions move to the new route; the clusters the old one defined inline go with it.
                    final List<String> inline = new ArrayList<>(t.routes.get(r.name()).allClusters());
                    inline.removeIf(c -> t.clusters.get(c) == null || !t.clusters.get(c).generated);
                    t.replaceRoute(r, path);
                    inline.removeAll(t.routes.get(r.name()).allClusters());
                    for (final String c : inline) {
                        t.deleteCluster(c, false);
                    }
                    return true;
                });
            }
        } catch (final ConflictException e) {
            throw new ConfigException("", e.getMessage(), e);
        }
        final State before = state;
        t.afterCommit.add(() -> {
            synced.clear();
            synced.putAll(plan.next);
            // Inline objects this sync made or replaced, and those earlier syncs made that it left as they were;
            // those of the static config or the API are not the sync's to watch.
            final Map<String, Object> inline = new HashMap<>();
            state.forEachGenerated((key, e) -> {
                final int colon = key.indexOf(':');
                if (before.entry(key.substring(0, colon), key.substring(colon + 1)) != e
                        || syncedInline.get(key) == e) {
                    inline.put(key, e);
                }
            });
            syncedInline = inline;
            syncedState = state;
        });
        return new SyncResult(plan.added, plan.changed, plan.removed, plan.unchanged);
    }

    /** One sync's decisions, and what it will remember as applied. */
    private final class SyncPlan {
        final Txn t;
        final List<String> added = new ArrayList<>();
        final List<String> changed = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        final Map<String, Object> next = new HashMap<>();
        /** The inline objects (a listener's rules, a route's clusters) are as the last sync left them. */
        final boolean inlineKept;
        int unchanged;

        SyncPlan(Txn t) {
            this.t = t;
            boolean kept = true;
            for (final Map.Entry<String, Object> e : syncedInline.entrySet()) {
                final int colon = e.getKey().indexOf(':');
                kept &= state.entry(e.getKey().substring(0, colon), e.getKey().substring(colon + 1)) == e.getValue();
            }
            this.inlineKept = kept;
        }

        /** Whether the running object is what the last sync left, with {@code spec} what it applied. */
        private boolean kept(String kind, String name, Object spec) {
            return spec.equals(synced.get(kind + ":" + name))
                    && t.entry(kind, name) == syncedState.entry(kind, name)
                    && (inlineKept || kind.equals("cluster"));
        }

        /**
         * Adds an object the proxy does not have, leaves one equal to the previous sync's, or changes it:
         * {@code inPlace} tries a change that keeps it running and says whether it could; else it is deleted with
         * what it defined inline and added again.
         */
        void apply(String kind, String name, Object spec, Runnable add, java.util.function.BooleanSupplier inPlace) {
            next.put(kind + ":" + name, spec);
            if (!t.has(kind, name)) {
                add.run();
                added.add(kind + "/" + name);
            } else if (kept(kind, name, spec)) {
                unchanged++;
            } else {
                if (!inPlace.getAsBoolean()) {
                    t.delete(kind, name);
                    add.run();
                }
                changed.add(kind + "/" + name);
            }
        }
    }

    /** Collects the names a desired config gives, refusing one given twice (l7mp would refuse the second add). */
    private static <T> void names(Map<String, String> into, String kind, String list, List<T> specs,
                                  java.util.function.Function<T, @Nullable String> name) {
        for (int i = 0; i < specs.size(); i++) {
            final String n = name.apply(specs.get(i));
            if (n == null) {
                throw new ConfigException(list + "[" + i + "].name",
                        "missing (expected: a name; a sync refers to objects by name)");
            }
            if (into.putIfAbsent(kind + ":" + n, list + "[" + i + "]") != null) {
                throw new ConfigException(list + "[" + i + "].name", "\"" + n + "\" is also " + into.get(kind + ":" + n)
                        + "'s name");
            }
        }
    }

    public CompletableFuture<Void> addListener(ListenerSpec spec) {
        return change(t -> t.addListener(spec, false, "listener"));
    }

    public CompletableFuture<Void> addCluster(ClusterSpec spec) {
        return change(t -> t.addCluster(spec, false, "cluster", null));
    }

    public CompletableFuture<Void> addEndpoint(String cluster, io.l7mp.spec.EndpointSpec spec) {
        return change(t -> t.addEndpoint(cluster, spec, "endpoint"));
    }

    public CompletableFuture<Void> addRuleList(RuleListSpec spec) {
        return change(t -> t.addRuleList(spec, false, "rulelist", null));
    }

    public CompletableFuture<Void> addRule(RuleSpec spec) {
        return change(t -> t.addRule(spec, false, "rule", null));
    }

    public CompletableFuture<Void> addRoute(RouteSpec spec) {
        return change(t -> t.addRoute(spec, false, "route", null));
    }

    public CompletableFuture<Void> replaceRoute(RouteSpec spec) {
        return change(t -> t.replaceRoute(spec, "route"));
    }

    public CompletableFuture<Void> addRuleToRuleList(String list, int position, io.l7mp.spec.Ref<RuleSpec> rule) {
        return change(t -> t.addRuleToRuleList(list, position, rule, "rule"));
    }

    public CompletableFuture<Void> setAdmin(AdminSpec a) {
        return CompletableFuture.runAsync(() -> admin = a.withVersion(admin.version()), control);
    }

    private void commit(Txn t) {
        final List<ListenerEntry> started = new ArrayList<>();
        // A listener replaced by one on its own port (a sync changing its protocol, say) lets go of the port first;
        // should the change fail, it is opened again.
        final List<ListenerEntry> yielded = yieldPorts(t);
        // A listener may emit a session while it starts (a singleton UDP listener does): such sessions are routed
        // on the state being committed. If the change fails, the listener closes and takes them with it.
        pending = t.addedListeners.isEmpty() ? null : t.toState();
        for (int i = 0; i < t.addedListeners.size(); i++) {
            final ListenerEntry l = t.addedListeners.get(i);
            if (t.listeners.get(l.name()) != l || l.impl == null) {
                continue;
            }
            try {
                l.impl.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                started.add(l);
            } catch (final InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
                // RuntimeException: a listener that fails in start() itself instead of through its future.
                final List<CompletableFuture<?>> closing = new ArrayList<>();
                for (final ListenerEntry s : started) {
                    closing.add(s.impl.close());
                }
                closing.add(l.impl.close());
                // The ports must be free again when the caller hears of the failure.
                awaitQuietly(closing);
                pending = null;
                reopen(yielded);
                final Throwable c = e instanceof ExecutionException || e instanceof CompletionException
                        ? e.getCause() : e;
                // Netty's native errors carry the syscall: "bind(..) failed with error(-98): Address already in use".
                final Throwable why = c == null ? e : c;
                throw new ConfigException(t.addedListenerPaths.get(i) + ".spec", "cannot listen: "
                        + (why.getMessage() != null ? why.getMessage() : why.toString())
                                .replaceAll("\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", ""), e);
            }
        }
        state = t.toState();
        pending = null;
        if (!closed) {
            healthChecks.reconcile(state);
        }
        final List<CompletableFuture<?>> closing = new ArrayList<>();
        for (final ListenerEntry l : t.removedListeners) {
            if (l.impl != null && !yielded.contains(l)) {
                closing.add(l.impl.close());
            }
        }
        awaitQuietly(closing);
        for (final ClusterEntry c : t.removedClusters) {
            if (state.clusters().get(c.name()) == null || state.clusters().get(c.name()).impl != c.impl) {
                closeQuietly(c);
            }
        }
        if (!t.endListenerSessions.isEmpty() || !t.endClusterSessions.isEmpty() || !t.disconnectEndpoints.isEmpty()
                || !t.reroutes.isEmpty()) {
            for (final SessionImpl s : sessions.values()) {
                final boolean end = t.endListenerSessions.contains(s.listener)
                        || t.endClusterSessions.stream().anyMatch(s::usesCluster);
                if (end) {
                    s.loop.execute(s::goAway);
                } else {
                    if (!t.disconnectEndpoints.isEmpty()) {
                        s.loop.execute(() -> s.disconnectEndpoints(t.disconnectEndpoints));
                    }
                    final RouteEntry r = s.route();
                    if (r != null && t.reroutes.contains(r.name())) {
                        final RouteEntry now = state.routes().get(r.name());
                        s.loop.execute(() -> s.reroute(now));
                    }
                }
            }
        }
    }

    /** Closes the removed listeners whose port a listener of the same name added by {@code t} binds. */
    private List<ListenerEntry> yieldPorts(Txn t) {
        final List<ListenerEntry> yielded = new ArrayList<>();
        for (final ListenerEntry old : t.removedListeners) {
            final ListenerEntry now = t.listeners.get(old.name());
            if (old.impl == null || now == null || now == old || !t.addedListeners.contains(now)
                    || !(old.impl.localAddress() instanceof java.net.InetSocketAddress a)) {
                continue;
            }
            final int port = mapper.json().valueToTree(now.spec.spec()).path("port").asInt(0);
            if (port != 0 && port == a.getPort()) {
                yielded.add(old);
            }
        }
        final List<CompletableFuture<?>> closing = new ArrayList<>();
        yielded.forEach(l -> closing.add(l.impl.close()));
        awaitQuietly(closing);
        return yielded;
    }

    /** Opens again the listeners {@link #yieldPorts} closed, for a change that failed. */
    private void reopen(List<ListenerEntry> yielded) {
        for (final ListenerEntry l : yielded) {
            try {
                l.impl = l.provider.newListener(listenerContext(l.name(), l.spec.spec()));
                l.impl.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (final InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
                logger.error("listener {}: cannot listen again after a failed change: {}", l.name(), e.toString());
            }
        }
    }

    private static void closeQuietly(ClusterEntry c) {
        try {
            if (c.impl != null) {
                c.impl.close();
            }
        } catch (final RuntimeException e) {
            logger.warn("cluster {}: error while closing", c.name(), e);
        }
    }

    // ------------------------------------------------------------------ sessions

    ListenerContext listenerContext(String name, ProtocolSpec spec) {
        return new ListenerContext() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ProtocolSpec spec() {
                return spec;
            }

            @Override
            public Transport transport() {
                return transport;
            }

            @Override
            public void newSession(String sessionName, ObjectNode metadata, Stage source) {
                Engine.this.newSession(name, sessionName, metadata, source);
            }

            @Override
            public @Nullable ProtocolProvider provider(String protocol) {
                return mapper.registry().find(protocol);
            }

            @Override
            public ProtocolSpec typed(ProtocolProvider provider, ProtocolSpec inner, boolean listener) {
                return Engine.this.typed(provider, inner, listener);
            }

            @Override
            public ClusterContext clusterContext(String cluster, ProtocolSpec clusterSpec) {
                return Engine.this.clusterContext(cluster, clusterSpec);
            }

            @Override
            public @Nullable NamedCluster cluster(String cluster) {
                return ClusterLookup.find(state, pending, cluster);
            }
        };
    }

    private ProtocolSpec typed(ProtocolProvider provider, ProtocolSpec inner, boolean listener) {
        ProtocolSpec s = inner;
        if (!provider.specType().isInstance(inner)) {
            s = mapper.read(mapper.json().valueToTree(inner), provider.specType(), "");
        }
        provider.validate(s, listener);
        return s;
    }

    ClusterContext clusterContext(String name, ProtocolSpec spec) {
        return new ClusterContext() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ProtocolSpec spec() {
                return spec;
            }

            @Override
            public Transport transport() {
                return transport;
            }

            @Override
            public @Nullable ProtocolProvider provider(String protocol) {
                return mapper.registry().find(protocol);
            }

            @Override
            public ProtocolSpec typed(ProtocolProvider provider, ProtocolSpec inner) {
                return Engine.this.typed(provider, inner, false);
            }

            @Override
            public @Nullable NamedCluster cluster(String cluster) {
                return ClusterLookup.find(state, pending, cluster);
            }

            @Override
            public io.l7mp.L7mp proxy() {
                final io.l7mp.L7mp f = facade;
                if (f == null) {
                    throw new IllegalStateException("cluster " + name + " belongs to no proxy");
                }
                return f;
            }
        };
    }

    private void newSession(String listener, String name, ObjectNode metadata, Stage source) {
        // Pending before state: commit publishes the new state before it clears pending, so one of the two reads
        // sees a listener that is being started (the other order can miss both and drop the session).
        final State p = pending;
        State s = state;
        ListenerEntry l = s.listeners().get(listener);
        if (l == null && p != null) {
            s = p;
            l = p.listeners().get(listener);
        }
        if (l == null || closed) {
            source.close(new SessionError(503, "listener " + listener + " is gone"));
            return;
        }
        String n = name;
        SessionImpl session = new SessionImpl(this, n, listener, metadata, source);
        for (int i = 1; sessions.putIfAbsent(n, session) != null; i++) {
            n = name + "_" + i;
            session = new SessionImpl(this, n, listener, metadata, source);
        }
        l.counters.sessions.increment();
        logger.debug("{} new session on listener {}", session, listener);
        session.start(s, l);
    }

    void sessionEnded(SessionImpl s, boolean keep) {
        final ListenerEntry l = state.listeners().get(s.listener);
        if (l != null) {
            l.counters.fold(s);
        }
        // The clusters the session used, not every cluster: with hundreds of them a short session's end would
        // otherwise cost a walk over all.
        final State st = state;
        s.forEachCluster(name -> {
            final ClusterEntry c = st.clusters().get(name);
            if (c != null) {
                c.counters.fold(s);
                for (final EndpointEntry e : c.endpoints) {
                    if (s.usesEndpoint(e.name())) {
                        e.counters.fold(s);
                    }
                }
            }
        });
        final long track = l == null || !keep ? 0 : l.spec.optionsOrDefault().track();
        if (track > 0 && !closed) {
            s.loop.schedule(() -> sessions.remove(s.name, s), track, TimeUnit.SECONDS);
        } else {
            sessions.remove(s.name, s);
        }
    }

    boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /**
     * Whether this is the first session to route a datagram stream from {@code listener} into the byte-stream cluster
     * {@code cluster}. The warning is about the config, not the session: once per pair keeps a datagram listener
     * under load from writing it for every session. Past {@link #BOUNDARY_WARNINGS} pairs it is only logged at debug.
     */
    boolean firstBoundaryWarning(String listener, String cluster) {
        return boundaryWarnings.size() < BOUNDARY_WARNINGS && boundaryWarnings.add(listener + '\n' + cluster);
    }

    void publish(SessionEvent e) {
        if (subscribers.isEmpty()) {
            return;
        }
        for (final Consumer<SessionEvent> c : subscribers) {
            try {
                c.accept(e);
            } catch (final RuntimeException ex) {
                logger.warn("session event subscriber failed", ex);
            }
        }
    }

    /** Adds a subscriber to every session's events; the returned handle removes it. Called on session loops. */
    public AutoCloseable subscribe(Consumer<SessionEvent> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    public List<SessionInfo> sessions() {
        final List<SessionInfo> l = new ArrayList<>();
        for (final SessionImpl s : sessions.values()) {
            l.add(s.info());
        }
        return l;
    }

    public SessionInfo session(String name) {
        final SessionImpl s = sessions.get(name);
        if (s == null) {
            throw new NotFoundException("session", name);
        }
        return s.info();
    }

    /** Ends a session; the future completes once it is gone. */
    public CompletableFuture<Void> deleteSession(String name) {
        final SessionImpl s = sessions.get(name);
        if (s == null) {
            return CompletableFuture.failedFuture(new NotFoundException("session", name));
        }
        final CompletableFuture<Void> done = new CompletableFuture<>();
        s.loop.execute(() -> {
            s.end(null);
            sessions.remove(s.name, s);
            done.complete(null);
        });
        return done;
    }

    // ------------------------------------------------------------------ views

    private Stats live(java.util.function.Predicate<SessionImpl> which) {
        Stats sum = Stats.ZERO;
        for (final SessionImpl s : sessions.values()) {
            if (!s.ended() && which.test(s)) {
                sum = sum.plus(s.stats());
            }
        }
        return sum;
    }

    public List<ListenerInfo> listeners() {
        final List<ListenerInfo> l = new ArrayList<>();
        for (final ListenerEntry e : state.listeners().values()) {
            l.add(info(e));
        }
        return l;
    }

    public ListenerInfo listener(String name) {
        final ListenerEntry e = state.listeners().get(name);
        if (e == null) {
            throw new NotFoundException("listener", name);
        }
        return info(e);
    }

    private ListenerInfo info(ListenerEntry e) {
        return new ListenerInfo(e.spec, e.impl == null ? null : e.impl.localAddress(), e.generated,
                e.counters.snapshot(live(s -> s.listener.equals(e.name()))));
    }

    public List<ClusterInfo> clusters() {
        final List<ClusterInfo> l = new ArrayList<>();
        for (final ClusterEntry e : state.clusters().values()) {
            l.add(info(e));
        }
        return l;
    }

    public ClusterInfo cluster(String name) {
        final ClusterEntry e = state.clusters().get(name);
        if (e == null) {
            throw new NotFoundException("cluster", name);
        }
        return info(e);
    }

    private ClusterInfo info(ClusterEntry c) {
        final List<EndpointInfo> eps = new ArrayList<>();
        for (final EndpointEntry e : c.endpoints) {
            eps.add(new EndpointInfo(c.name(), e.spec, e.counters.snapshot(live(s -> s.usesEndpoint(e.name()))),
                    e.state.health(System.nanoTime())));
        }
        return new ClusterInfo(c.spec, c.generated, c.counters.snapshot(live(s -> s.uses(c))), eps);
    }

    public EndpointInfo endpoint(String name) {
        for (final ClusterEntry c : state.clusters().values()) {
            for (final EndpointEntry e : c.endpoints) {
                if (e.name().equals(name)) {
                    return new EndpointInfo(c.name(), e.spec,
                            e.counters.snapshot(live(s -> s.usesEndpoint(name))), e.state.health(System.nanoTime()));
                }
            }
        }
        throw new NotFoundException("endpoint", name);
    }

    public Map<String, RuleListSpec> rulelists() {
        final Map<String, RuleListSpec> m = new java.util.LinkedHashMap<>();
        state.rulelists().forEach((k, v) -> m.put(k, v.spec()));
        return m;
    }

    public Map<String, RuleSpec> rules() {
        final Map<String, RuleSpec> m = new java.util.LinkedHashMap<>();
        state.rules().forEach((k, v) -> m.put(k, v.spec()));
        return m;
    }

    public Map<String, RouteSpec> routes() {
        final Map<String, RouteSpec> m = new java.util.LinkedHashMap<>();
        state.routes().forEach((k, v) -> m.put(k, v.spec()));
        return m;
    }

    /** Returns the running configuration, every object named; it loads back into the same proxy. */
    public Config config() {
        final State s = state;
        final List<ListenerSpec> ls = new ArrayList<>();
        s.listeners().values().forEach(e -> ls.add(e.spec));
        final List<ClusterSpec> cs = new ArrayList<>();
        s.clusters().values().forEach(e -> cs.add(e.spec));
        final List<RuleListSpec> rls = new ArrayList<>();
        s.rulelists().values().forEach(e -> rls.add(e.spec()));
        final List<RuleSpec> rs = new ArrayList<>();
        s.rules().values().forEach(e -> rs.add(e.spec()));
        final List<RouteSpec> ros = new ArrayList<>();
        s.routes().values().forEach(e -> ros.add(e.spec()));
        return new Config(admin, ls, cs, rls, rs, ros);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Ends every session, stops every listener and cluster, and releases the event loops if they are ours. */
    public CompletableFuture<Void> close() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        closed = true;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        control.execute(() -> {
            final List<CompletableFuture<?>> waits = new ArrayList<>();
            for (final SessionImpl s : sessions.values()) {
                final CompletableFuture<Void> f = new CompletableFuture<>();
                try {
                    s.loop.execute(() -> {
                        s.goAway();
                        f.complete(null);
                    });
                    waits.add(f);
                } catch (final RuntimeException e) {
                    logger.debug("{} loop already gone", s);
                }
            }
            awaitQuietly(waits);
            waits.clear();
            for (final ListenerEntry l : state.listeners().values()) {
                if (l.impl != null) {
                    waits.add(l.impl.close());
                }
            }
            awaitQuietly(waits);
            healthChecks.stopAll();
            for (final ClusterEntry c : state.clusters().values()) {
                closeQuietly(c);
            }
            sessions.clear();
            if (ownsGroup && transport.group() != null) {
                transport.group().shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            done.complete(null);
        });
        control.shutdown();
        return done;
    }

    private static void awaitQuietly(List<CompletableFuture<?>> fs) {
        try {
            CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final ExecutionException | TimeoutException e) {
            logger.debug("close did not finish cleanly: {}", e.toString());
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Exposes the txn operations that only the REST module needs. */
    public CompletableFuture<Void> deleteListener(String name, boolean recursive) {
        return change(t -> t.deleteListener(name, recursive));
    }

    public CompletableFuture<Void> deleteCluster(String name, boolean recursive) {
        return change(t -> t.deleteCluster(name, recursive));
    }

    public CompletableFuture<Void> deleteEndpoint(String name, boolean recursive) {
        return change(t -> t.deleteEndpoint(name, recursive));
    }

    public CompletableFuture<Void> deleteRuleList(String name, boolean recursive) {
        return change(t -> t.deleteRuleList(name, recursive));
    }

    public CompletableFuture<Void> deleteRule(String name, boolean recursive) {
        return change(t -> t.deleteRule(name, recursive));
    }

    public CompletableFuture<Void> deleteRuleFromRuleList(String list, String positionOrName, boolean recursive) {
        return change(t -> t.deleteRuleFromRuleList(list, positionOrName, recursive));
    }

    public CompletableFuture<Void> deleteRoute(String name, boolean recursive) {
        return change(t -> t.deleteRoute(name, recursive));
    }

    /** Returns whether the named object was defined inline (REST dumps mark them). */
    public boolean isGenerated(String kind, String name) {
        final State s = state;
        return switch (kind) {
            case "listener" -> s.listeners().containsKey(name) && s.listeners().get(name).generated;
            case "cluster" -> s.clusters().containsKey(name) && s.clusters().get(name).generated;
            case "rulelist" -> s.rulelists().containsKey(name) && s.rulelists().get(name).generated();
            case "rule" -> s.rules().containsKey(name) && s.rules().get(name).generated();
            case "route" -> s.routes().containsKey(name) && s.routes().get(name).generated();
            default -> false;
        };
    }

}
