package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.ConfigException;
import io.l7mp.ConflictException;
import io.l7mp.NotFoundException;
import io.l7mp.internal.config.ConfigMapper;
import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.EndpointEntry;
import io.l7mp.internal.engine.Entries.ListenerEntry;
import io.l7mp.internal.engine.Entries.RouteEntry;
import io.l7mp.internal.engine.Entries.RuleEntry;
import io.l7mp.internal.engine.Entries.RuleListEntry;
import io.l7mp.internal.rules.MatchCompiler;
import io.l7mp.internal.rules.Matcher;
import io.l7mp.internal.rules.Rewriter;
import io.l7mp.spec.ActionSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionHook;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration change, built on a private copy of the state: inline objects are flattened into named ones,
 * rules compiled, protocols checked. Nothing is visible until the engine commits it; an exception leaves the running
 * configuration untouched.
 */
final class Txn {
    private static final Logger logger = LoggerFactory.getLogger(Txn.class);

    private final Engine engine;
    private final boolean dryRun;
    final LinkedHashMap<String, ListenerEntry> listeners;
    final LinkedHashMap<String, ClusterEntry> clusters;
    final LinkedHashMap<String, RuleListEntry> rulelists;
    final LinkedHashMap<String, RuleEntry> rules;
    final LinkedHashMap<String, RouteEntry> routes;
    final List<ListenerEntry> addedListeners = new ArrayList<>();
    final List<String> addedListenerPaths = new ArrayList<>();
    final List<ClusterEntry> addedClusters = new ArrayList<>();
    final List<ListenerEntry> removedListeners = new ArrayList<>();
    final List<ClusterEntry> removedClusters = new ArrayList<>();
    final Set<String> endListenerSessions = new HashSet<>();
    final Set<String> endClusterSessions = new HashSet<>();
    final Set<String> disconnectEndpoints = new HashSet<>();
    /** Where each object added by this change was defined ("listener:in" -> "listeners[0]"), for strict errors. */
    final java.util.Map<String, String> paths = new java.util.HashMap<>();
    final Set<String> reroutes = new HashSet<>();
    /** Run by the engine once this change has been committed. */
    final List<Runnable> afterCommit = new ArrayList<>();

    Txn(Engine engine, State s, boolean dryRun) {
        this.engine = engine;
        this.dryRun = dryRun;
        this.listeners = new LinkedHashMap<>(s.listeners());
        this.clusters = new LinkedHashMap<>(s.clusters());
        this.rulelists = new LinkedHashMap<>(s.rulelists());
        this.rules = new LinkedHashMap<>(s.rules());
        this.routes = new LinkedHashMap<>(s.routes());
    }

    State toState() {
        return new State(State.freeze(listeners), State.freeze(clusters), State.freeze(rulelists),
                State.freeze(rules), State.freeze(routes));
    }

    private ConfigMapper mapper() {
        return engine.mapper();
    }

    private static String unique(String base, Map<String, ?> taken) {
        if (!taken.containsKey(base)) {
            return base;
        }
        for (int i = 1; ; i++) {
            final String n = base + "_" + i;
            if (!taken.containsKey(n)) {
                return n;
            }
        }
    }

    private String generate(String base, String kind, Map<String, ?> taken) {
        return unique(base + "-" + kind + "-" + engine.nextId(kind), taken);
    }

    private static void conflict(String kind, String name, String path) {
        throw new ConflictException(path + ": " + kind + " \"" + name + "\" already exists");
    }

    // ------------------------------------------------------------------ protocols

    private ProtocolProvider provider(ProtocolSpec spec, boolean listener, String path) {
        final ProtocolProvider p = mapper().registry().find(spec.protocol());
        if (p == null) {
            throw new ConfigException(path + ".protocol", mapper().registry().unknown(spec.protocol()));
        }
        if (listener ? !p.hasListener() : !p.hasCluster()) {
            throw new ConfigException(path + ".protocol", "\"" + spec.protocol() + "\" cannot be used as a "
                    + (listener ? "listener" : "cluster") + " (expected: one of " + roles(listener) + ")");
        }
        if (!p.isAvailable()) {
            throw new ConfigException(path + ".protocol", "\"" + spec.protocol() + "\" is not available here: "
                    + p.unavailableReason());
        }
        return p;
    }

    private List<String> roles(boolean listener) {
        final List<String> names = new ArrayList<>();
        for (final String n : mapper().registry().names()) {
            final ProtocolProvider p = mapper().registry().find(n);
            if (p != null && (listener ? p.hasListener() : p.hasCluster())) {
                names.add(n);
            }
        }
        return names;
    }

    /** Converts a spec built as a generic one (e.g. from the builder) into the provider's record and checks it. */
    private ProtocolSpec typed(ProtocolProvider p, ProtocolSpec spec, boolean listener, String path) {
        ProtocolSpec s = spec;
        if (!p.specType().isInstance(spec)) {
            final JsonNode tree = mapper().json().valueToTree(spec);
            s = mapper().read(tree, p.specType(), path);
        }
        try {
            p.validate(s, listener);
        } catch (final IllegalArgumentException e) {
            throw ConfigMapper.error(path, e);
        }
        return s;
    }

    // ------------------------------------------------------------------ adds

    String addListener(ListenerSpec spec, boolean generated, String path) {
        if (listeners.containsKey(spec.name())) {
            conflict("listener", spec.name(), path + ".name");
        }
        final ProtocolProvider p = provider(spec.spec(), true, path + ".spec");
        final ProtocolSpec ps = typed(p, spec.spec(), true, path + ".spec");
        final String rl = spec.rules() instanceof Ref.Named<RuleListSpec> n ? n.name()
                : addRuleList(((Ref.Inline<RuleListSpec>) spec.rules()).spec(), true, path + ".rules", spec.name());
        final ListenerSpec flat = new ListenerSpec(spec.name(), ps, Ref.to(rl), spec.options());
        final ListenerEntry e = new ListenerEntry(flat, generated, p);
        if (!dryRun) {
            try {
                e.impl = p.newListener(engine.listenerContext(flat.name(), ps));
            } catch (final IllegalArgumentException ex) {
                throw ConfigMapper.error(path + ".spec", ex);
            }
        }
        listeners.put(flat.name(), e);
        addedListeners.add(e);
        addedListenerPaths.add(path);
        paths.put("listener:" + flat.name(), path + ".rules");
        return flat.name();
    }

    String addRuleList(RuleListSpec spec, boolean generated, String path, @Nullable String genBase) {
        final String name;
        if (spec.name() != null) {
            name = spec.name();
            if (rulelists.containsKey(name)) {
                conflict("rulelist", name, path + ".name");
            }
        } else if (genBase != null) {
            name = generate(genBase, "RuleList", rulelists);
        } else {
            throw new ConfigException(path + ".name", "missing (expected: a name for the rulelist)");
        }
        // Reserve the name first so that inline rules can be named after it.
        rulelists.put(name, new RuleListEntry(new RuleListSpec(name, List.of()), generated));
        final List<Ref<RuleSpec>> names = new ArrayList<>();
        final String rp = genBase != null && spec.name() == null ? path : path + ".rules";
        paths.put("rulelist:" + name, rp);
        for (int i = 0; i < spec.rules().size(); i++) {
            final Ref<RuleSpec> r = spec.rules().get(i);
            names.add(r instanceof Ref.Named<RuleSpec> n ? n
                    : Ref.to(addRule(((Ref.Inline<RuleSpec>) r).spec(), true, rp + "[" + i + "]", name)));
        }
        rulelists.put(name, new RuleListEntry(new RuleListSpec(name, names), generated));
        return name;
    }

    String addRule(RuleSpec spec, boolean generated, String path, @Nullable String genBase) {
        final String name;
        if (spec.name() != null) {
            name = spec.name();
            if (rules.containsKey(name)) {
                conflict("rule", name, path + ".name");
            }
        } else if (genBase != null) {
            name = generate(genBase, "Rule", rules);
        } else {
            throw new ConfigException(path + ".name", "missing (expected: a name for the rule)");
        }
        final Matcher m;
        try {
            m = MatchCompiler.compile(spec.match());
        } catch (final IllegalArgumentException e) {
            throw ConfigMapper.error(path + ".match", e);
        }
        Rewriter rw = null;
        if (!spec.action().rewrite().isEmpty()) {
            try {
                rw = Rewriter.compile(mapper().json().valueToTree(spec.action().rewrite()));
            } catch (final IllegalArgumentException e) {
                throw ConfigMapper.error(path + ".action", e);
            }
        }
        if (spec.action().route() == null && spec.action().apply() == null) {
            throw new ConfigException(path + ".action", "neither route nor apply (expected: at least one)");
        }
        rules.put(name, null);
        paths.put("rule:" + name, path + ".action.route");
        Ref<RouteSpec> route = spec.action().route();
        if (route instanceof Ref.Inline<RouteSpec> in) {
            route = Ref.to(addRoute(in.spec(), true, path + ".action.route", name));
        }
        final ActionSpec a = new ActionSpec(spec.action().rewrite(), route, spec.action().apply());
        rules.put(name, new RuleEntry(new RuleSpec(name, spec.match(), a), generated, m, rw));
        return name;
    }

    String addRoute(RouteSpec spec, boolean generated, String path, @Nullable String genBase) {
        final String name;
        if (spec.name() != null) {
            name = spec.name();
            if (routes.containsKey(name)) {
                conflict("route", name, path + ".name");
            }
        } else if (genBase != null) {
            name = generate(genBase, "Route", routes);
        } else {
            throw new ConfigException(path + ".name", "missing (expected: a name for the route)");
        }
        paths.put("route:" + name, path);
        routes.put(name, flattenRoute(spec.withName(name), generated, path));
        return name;
    }

    RouteEntry flattenRoute(RouteSpec spec, boolean generated, String path) {
        final String name = spec.name();
        final Ref<ClusterSpec> dest = spec.destination() instanceof Ref.Named<ClusterSpec> n ? n
                : Ref.to(addCluster(((Ref.Inline<ClusterSpec>) spec.destination()).spec(), true,
                        path + ".destination", name + "-Cluster"));
        final List<Ref<ClusterSpec>> ing = chain(spec.ingress(), path + ".ingress", name + "-ingress-Cluster");
        final List<Ref<ClusterSpec>> eg = chain(spec.egress(), path + ".egress", name + "-egress-Cluster");
        final List<Ref<ClusterSpec>> ses = chain(spec.session(), path + ".session", name + "-session-Cluster");
        for (int i = 0; i < ses.size(); i++) {
            checkHook(((Ref.Named<ClusterSpec>) ses.get(i)).name(), path + ".session[" + i + "]");
        }
        return new RouteEntry(new RouteSpec(name, dest, ing, eg, spec.retry(), ses), generated);
    }

    /** Refuses a session transform whose cluster exists and cannot run as one; names are otherwise late-bound. */
    private void checkHook(String cluster, String path) {
        final ClusterEntry c = clusters.get(cluster);
        if (c != null && c.impl != null && !(c.impl instanceof SessionHook)) {
            throw new ConfigException(path, "cluster \"" + cluster + "\" (" + c.spec.spec().protocol()
                    + ") is not a session transform (expected: a cluster whose protocol rewrites metadata at setup)");
        }
    }

    private List<Ref<ClusterSpec>> chain(List<Ref<ClusterSpec>> refs, String path, String base) {
        final List<Ref<ClusterSpec>> out = new ArrayList<>(refs.size());
        for (int i = 0; i < refs.size(); i++) {
            final Ref<ClusterSpec> r = refs.get(i);
            out.add(r instanceof Ref.Named<ClusterSpec> n ? n
                    : Ref.to(addCluster(((Ref.Inline<ClusterSpec>) r).spec(), true, path + "[" + i + "]", base)));
        }
        return out;
    }

    /** Adds a cluster; {@code genBase} is e.g. "route-Cluster" and gets "-n" appended when the spec has no name. */
    String addCluster(ClusterSpec spec, boolean generated, String path, @Nullable String genBase) {
        final String name;
        if (spec.name() != null) {
            name = spec.name();
            if (clusters.containsKey(name)) {
                conflict("cluster", name, path + ".name");
            }
        } else if (genBase != null) {
            final int dash = genBase.lastIndexOf('-');
            name = generate(genBase.substring(0, dash), genBase.substring(dash + 1), clusters);
        } else {
            throw new ConfigException(path + ".name", "missing (expected: a name for the cluster)");
        }
        final ProtocolProvider p = provider(spec.spec(), false, path + ".spec");
        final ProtocolSpec ps = typed(p, spec.spec(), false, path + ".spec");
        checkGuards(spec, p, path);
        final List<EndpointEntry> eps = new ArrayList<>();
        if (p.hasEndpoints()) {
            final Set<String> local = new HashSet<>();
            for (int i = 0; i < spec.endpoints().size(); i++) {
                eps.add(endpoint(name, spec.endpoints().get(i), path + ".endpoints[" + i + "]", local));
            }
        } else if (!spec.endpoints().isEmpty()) {
            logger.warn("cluster {}: {} has no endpoints; ignoring {} endpoint(s)", name, spec.spec().protocol(),
                    spec.endpoints().size());
        }
        final ClusterSpec flat = new ClusterSpec(name, ps, List.of(), spec.loadbalancer(), spec.options(),
                spec.healthCheck(), spec.circuitBreaker());
        final io.l7mp.spi.Cluster impl;
        try {
            impl = dryRun ? null : p.newCluster(engine.clusterContext(name, ps));
        } catch (final IllegalArgumentException ex) {
            throw ConfigMapper.error(path + ".spec", ex);
        }
        final ClusterEntry e = new ClusterEntry(flat, generated, p, impl, new Counters(), List.of())
                .withEndpoints(eps);
        clusters.put(name, e);
        addedClusters.add(e);
        return name;
    }

    private static void checkGuards(ClusterSpec spec, ProtocolProvider p, String path) {
        if (spec.healthCheck() != null || spec.circuitBreaker() != null) {
            if (!p.hasEndpoints()) {
                throw new ConfigException(path + (spec.healthCheck() != null ? ".health_check" : ".circuit_breaker"),
                        spec.spec().protocol() + " clusters have no endpoints to check");
            }
            if (spec.healthCheck() != null && spec.healthCheck().send() == null && !p.connectProvesReachability()) {
                throw new ConfigException(path + ".health_check.send", "missing (a " + spec.spec().protocol()
                        + " connect succeeds whether or not the endpoint is there: give a message it answers)");
            }
        }
    }

    /** Returns the spec's protocol part typed as the running object's provider types it, for comparison. */
    ProtocolSpec typedFor(ProtocolSpec spec, ProtocolProvider running, boolean listener, String path) {
        final ProtocolProvider p = provider(spec, listener, path);
        return p == running ? typed(p, spec, listener, path) : spec;
    }

    /**
     * Changes a cluster whose protocol spec stays the same in place: same protocol object, counters and sessions; new
     * balancer, checks and options; endpoints matched by spec keep their state, removed ones have their sessions
     * disconnected.
     */
    void updateCluster(ClusterSpec spec, String path) {
        final String name = java.util.Objects.requireNonNull(spec.name());
        final ClusterEntry old = clusters.get(name);
        if (old == null) {
            throw new NotFoundException("cluster", name);
        }
        checkGuards(spec, old.provider, path);
        final List<EndpointEntry> unused = new ArrayList<>(old.endpoints);
        final List<EndpointEntry> kept = new ArrayList<>();
        final List<Integer> fresh = new ArrayList<>();
        final List<EndpointSpec> wanted = old.provider.hasEndpoints() ? spec.endpoints() : List.of();
        for (int i = 0; i < wanted.size(); i++) {
            final EndpointSpec d = wanted.get(i);
            EndpointEntry match = null;
            for (final EndpointEntry e : unused) {
                if (d.name() != null ? e.spec.equals(d) : e.spec.withName(null).equals(d)) {
                    match = e;
                    break;
                }
            }
            if (match != null) {
                unused.remove(match);
            } else {
                fresh.add(i);
            }
            kept.add(match);
        }
        for (final EndpointEntry e : unused) {
            disconnectEndpoints.add(e.name());
        }
        // The endpoints that go are gone before new ones are named, so that a changed endpoint keeps its name.
        final List<EndpointEntry> staying = new ArrayList<>();
        for (final EndpointEntry e : kept) {
            if (e != null) {
                staying.add(e);
            }
        }
        clusters.put(name, old.withEndpoints(staying));
        final Set<String> local = new HashSet<>();
        staying.forEach(e -> local.add(e.name()));
        for (final int i : fresh) {
            kept.set(i, endpoint(name, wanted.get(i), path + ".endpoints[" + i + "]", local));
        }
        final ClusterSpec flat = new ClusterSpec(name, old.spec.spec(), List.of(), spec.loadbalancer(), spec.options(),
                spec.healthCheck(), spec.circuitBreaker());
        clusters.put(name, new ClusterEntry(flat, old.generated, old.provider, old.impl, old.counters, List.of())
                .withEndpoints(kept));
    }

    /**
     * Changes a listener whose protocol spec stays the same in place: the socket, counters and sessions stay; its
     * rules (the inline ones replaced) and options change, and apply to the sessions it emits from now on.
     */
    void updateListener(ListenerSpec spec, String path) {
        final ListenerEntry old = listeners.get(spec.name());
        if (old == null) {
            throw new NotFoundException("listener", spec.name());
        }
        final RuleListEntry oldRules = rulelists.get(old.ruleList());
        if (oldRules != null && oldRules.generated()) {
            deleteRuleList(oldRules.spec().name(), true);
        }
        final String rl = spec.rules() instanceof Ref.Named<RuleListSpec> n ? n.name()
                : addRuleList(((Ref.Inline<RuleListSpec>) spec.rules()).spec(), true, path + ".rules", spec.name());
        final ListenerSpec flat = new ListenerSpec(spec.name(), old.spec.spec(), Ref.to(rl), spec.options());
        listeners.put(spec.name(), old.withSpec(flat));
        paths.put("listener:" + spec.name(), path + ".rules");
    }

    private EndpointEntry endpoint(String cluster, EndpointSpec spec, String path, Set<String> local) {
        String name = spec.name();
        if (name == null) {
            name = unique(cluster + "-EndPoint-" + engine.nextId("EndPoint"), Map.of());
            while (findEndpoint(name) != null || local.contains(name)) {
                name = cluster + "-EndPoint-" + engine.nextId("EndPoint");
            }
        } else if (findEndpoint(name) != null || local.contains(name)) {
            conflict("endpoint", name, path + ".name");
        }
        local.add(name);
        return new EndpointEntry(cluster, spec.withName(name), new Counters());
    }

    @Nullable EndpointEntry findEndpoint(String name) {
        for (final ClusterEntry c : clusters.values()) {
            for (final EndpointEntry e : c.endpoints) {
                if (e.name().equals(name)) {
                    return e;
                }
            }
        }
        return null;
    }

    void addEndpoint(String cluster, EndpointSpec spec, String path) {
        final ClusterEntry c = clusters.get(cluster);
        if (c == null) {
            throw new NotFoundException("cluster", cluster);
        }
        if (!c.provider.hasEndpoints()) {
            throw new ConfigException(path, "cluster \"" + cluster + "\" (" + c.spec.spec().protocol()
                    + ") takes no endpoints");
        }
        final List<EndpointEntry> eps = new ArrayList<>(c.endpoints);
        eps.add(endpoint(cluster, spec, path, new HashSet<>()));
        clusters.put(cluster, c.withEndpoints(eps));
    }

    void addRuleToRuleList(String list, int position, Ref<RuleSpec> rule, String path) {
        final RuleListEntry rl = rulelists.get(list);
        if (rl == null) {
            throw new NotFoundException("rulelist", list);
        }
        final List<Ref<RuleSpec>> refs = new ArrayList<>(rl.spec().rules());
        if (position < 0 || position > refs.size()) {
            throw new ConfigException("position", position + " (expected: 0-" + refs.size() + ")");
        }
        final String name = rule instanceof Ref.Named<RuleSpec> n ? n.name()
                : addRule(((Ref.Inline<RuleSpec>) rule).spec(), ((Ref.Inline<RuleSpec>) rule).spec().name() == null,
                        path, list);
        refs.add(position, Ref.to(name));
        rulelists.put(list, new RuleListEntry(rl.spec().withRules(refs), rl.generated()));
    }

    void replaceRoute(RouteSpec spec, String path) {
        final String name = spec.name();
        if (name == null) {
            throw new ConfigException(path + ".name", "missing (expected: the name of the route to change)");
        }
        final RouteEntry old = routes.get(name);
        if (old == null) {
            throw new NotFoundException("route", name);
        }
        routes.put(name, flattenRoute(spec, old.generated(), path));
        reroutes.add(name);
    }

    // ------------------------------------------------------------------ deletes

    /** Whether an object of this kind ({@code listener}, {@code cluster}, ...) and name exists. */
    boolean has(String kind, String name) {
        return switch (kind) {
            case "listener" -> listeners.containsKey(name);
            case "cluster" -> clusters.containsKey(name);
            case "rulelist" -> rulelists.containsKey(name);
            case "rule" -> rules.containsKey(name);
            case "route" -> routes.containsKey(name);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Returns the entry of this kind and name, or null. */
    @Nullable Object entry(String kind, String name) {
        return State.entry(kind, name, listeners, clusters, rulelists, rules, routes);
    }

    /** Deletes an object of this kind with what it defined inline, ending its sessions. */
    void delete(String kind, String name) {
        switch (kind) {
            case "listener" -> deleteListener(name, true);
            case "cluster" -> deleteCluster(name, true);
            case "rulelist" -> deleteRuleList(name, true);
            case "rule" -> deleteRule(name, true);
            case "route" -> deleteRoute(name, true);
            default -> throw new IllegalArgumentException(kind);
        }
    }

    void deleteListener(String name, boolean recursive) {
        final ListenerEntry l = listeners.remove(name);
        if (l == null) {
            throw new NotFoundException("listener", name);
        }
        removedListeners.add(l);
        if (recursive) {
            final RuleListEntry rl = rulelists.get(l.ruleList());
            if (rl != null && rl.generated()) {
                deleteRuleList(rl.spec().name(), true);
            }
            endListenerSessions.add(name);
        }
    }

    void deleteCluster(String name, boolean recursive) {
        final ClusterEntry c = clusters.remove(name);
        if (c == null) {
            throw new NotFoundException("cluster", name);
        }
        removedClusters.add(c);
        if (recursive) {
            endClusterSessions.add(name);
        }
    }

    void deleteEndpoint(String name, boolean recursive) {
        final EndpointEntry e = findEndpoint(name);
        if (e == null) {
            throw new NotFoundException("endpoint", name);
        }
        final ClusterEntry c = clusters.get(e.cluster);
        final List<EndpointEntry> eps = new ArrayList<>(c.endpoints);
        eps.removeIf(x -> x.name().equals(name));
        clusters.put(c.name(), c.withEndpoints(eps));
        if (recursive) {
            disconnectEndpoints.add(name);
        }
    }

    void deleteRuleList(String name, boolean recursive) {
        final RuleListEntry rl = rulelists.remove(name);
        if (rl == null) {
            throw new NotFoundException("rulelist", name);
        }
        if (recursive) {
            for (final String r : rl.ruleNames()) {
                final RuleEntry re = rules.get(r);
                if (re != null && re.generated()) {
                    deleteRule(r, true);
                }
            }
        }
    }

    void deleteRule(String name, boolean recursive) {
        final RuleEntry r = rules.remove(name);
        if (r == null) {
            throw new NotFoundException("rule", name);
        }
        if (recursive) {
            final String route = r.routeName();
            final RouteEntry re = route == null ? null : routes.get(route);
            if (re != null && re.generated()) {
                deleteRoute(route, true);
            }
        }
    }

    void deleteRuleFromRuleList(String list, String positionOrName, boolean recursive) {
        final RuleListEntry rl = rulelists.get(list);
        if (rl == null) {
            throw new NotFoundException("rulelist", list);
        }
        final List<String> names = rl.ruleNames();
        int idx = names.indexOf(positionOrName);
        if (idx < 0) {
            try {
                idx = Integer.parseInt(positionOrName);
            } catch (final NumberFormatException e) {
                throw new NotFoundException("rule", positionOrName + "\" in rulelist \"" + list);
            }
            if (idx < 0 || idx >= names.size()) {
                throw new NotFoundException("rule", "#" + positionOrName + "\" in rulelist \"" + list);
            }
        }
        final String rule = names.get(idx);
        final List<Ref<RuleSpec>> refs = new ArrayList<>(rl.spec().rules());
        refs.remove(idx);
        rulelists.put(list, new RuleListEntry(rl.spec().withRules(refs), rl.generated()));
        if (recursive && rules.containsKey(rule)) {
            deleteRule(rule, true);
        }
    }

    void deleteRoute(String name, boolean recursive) {
        final RouteEntry r = routes.remove(name);
        if (r == null) {
            throw new NotFoundException("route", name);
        }
        if (recursive) {
            final List<String> cs = new ArrayList<>();
            cs.add(r.destination());
            cs.addAll(r.ingress());
            cs.addAll(r.egress());
            cs.addAll(r.session());
            for (final String c : cs) {
                final ClusterEntry ce = clusters.get(c);
                if (ce != null && ce.generated) {
                    deleteCluster(c, true);
                }
            }
        }
    }
}
