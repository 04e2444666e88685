package io.l7mp;

import static java.util.Objects.requireNonNull;

import io.l7mp.internal.engine.Engine;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.Transport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A running multiprotocol proxy: listeners emit sessions, rules route them, clusters connect them. Build one with
 * {@link #builder()} or {@link #load(Path)}, then {@link #start()}; {@link #close()} ends every session and frees
 * the ports.
 *
 * <p>Thread-safe. Changes (the {@code add}, {@code delete} and {@code replace} methods) are applied one at a time,
 * in the order they were made; each is checked as a whole and either takes effect entirely or not at all. Their
 * futures fail with a {@link ConfigException} (invalid spec, naming the field), {@link NotFoundException} or
 * {@link ConflictException}. Do not block on them from an event loop.
 */
public final class L7mp implements AutoCloseable {
    /** The version this library reports in {@code admin.version}. */
    public static final String VERSION = "0.1.0";

    private final Engine engine;
    private final Config initial;
    private final ConfigCodec codec;
    private volatile boolean started;

    L7mp(Engine engine, Config initial, ConfigCodec codec) {
        this.engine = engine;
        this.initial = initial;
        this.codec = codec;
        engine.facade(this);
    }

    /** Returns a builder for a proxy. */
    public static L7mpBuilder builder() {
        return new L7mpBuilder();
    }

    /** Reads an l7mp config file (YAML when it ends in .yaml or .yml, JSON otherwise) and builds a proxy. */
    public static L7mp load(Path configFile) {
        return builder().config(ConfigCodec.defaults().read(configFile)).build();
    }

    /** Binds every listener. The future completes when all are ready and fails, with nothing bound, otherwise. */
    public CompletableFuture<L7mp> start() {
        synchronized (this) {
            if (started) {
                return CompletableFuture.completedFuture(this);
            }
            started = true;
        }
        return engine.apply(initial).thenApply(v -> this);
    }

    /** Ends every session, stops every listener and releases the event loops this proxy created. */
    public CompletableFuture<Void> closeAsync() {
        return engine.close();
    }

    /** Closes the proxy and waits (at most 10 s) until it is closed. */
    @Override
    public void close() {
        try {
            closeAsync().get(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final ExecutionException | TimeoutException e) {
            throw new L7mpException("close failed: " + e.getMessage(), e);
        }
    }

    /** Returns the codec this proxy reads specs with (its protocols, its strictness). */
    public ConfigCodec codec() {
        return codec;
    }

    /** Returns the event loops and channel types the proxy runs on. */
    public Transport transport() {
        return engine.transport();
    }

    // ------------------------------------------------------------------ views

    /** Returns the running configuration, every object named; it loads back into an identical proxy. */
    public Config config() {
        return engine.config();
    }

    /** Returns the admin settings. */
    public AdminSpec admin() {
        return engine.admin().withVersion(VERSION);
    }

    /** Returns every listener. */
    public List<ListenerInfo> listeners() {
        return engine.listeners();
    }

    /** Returns a listener; throws {@link NotFoundException}. */
    public ListenerInfo listener(String name) {
        return engine.listener(name);
    }

    /** Returns every cluster. */
    public List<ClusterInfo> clusters() {
        return engine.clusters();
    }

    /** Returns a cluster; throws {@link NotFoundException}. */
    public ClusterInfo cluster(String name) {
        return engine.cluster(name);
    }

    /** Returns an endpoint by its name; throws {@link NotFoundException}. */
    public EndpointInfo endpoint(String name) {
        return engine.endpoint(name);
    }

    /** Returns the rule lists by name. */
    public Map<String, RuleListSpec> ruleLists() {
        return engine.rulelists();
    }

    /** Returns the rules by name. */
    public Map<String, RuleSpec> rules() {
        return engine.rules();
    }

    /** Returns the routes by name. */
    public Map<String, RouteSpec> routes() {
        return engine.routes();
    }

    /** Returns whether the named object of this kind (listener, cluster, rulelist, rule, route) was defined inline. */
    public boolean isGenerated(String kind, String name) {
        return engine.isGenerated(kind, name);
    }

    /** Returns a snapshot of every live (and tracked) session. */
    public List<SessionInfo> sessions() {
        return engine.sessions();
    }

    /** Returns a session; throws {@link NotFoundException}. */
    public SessionInfo session(String name) {
        return engine.session(name);
    }

    /**
     * Calls {@code subscriber} for every session event (INIT, CONNECT, DISCONNECT, ...). It runs on the session's
     * event loop: keep it short and never block. Closing the returned handle unsubscribes.
     */
    public AutoCloseable subscribe(Consumer<SessionEvent> subscriber) {
        return engine.subscribe(requireNonNull(subscriber, "subscriber"));
    }

    // ------------------------------------------------------------------ changes

    /** Adds a listener (and whatever it defines inline) and binds it. */
    public CompletableFuture<Void> addListener(ListenerSpec spec) {
        return engine.addListener(requireNonNull(spec, "spec"));
    }

    /** Deletes a listener; {@code recursive} also deletes its inline objects and ends its sessions. */
    public CompletableFuture<Void> deleteListener(String name, boolean recursive) {
        return engine.deleteListener(name, recursive);
    }

    /** Adds a cluster. */
    public CompletableFuture<Void> addCluster(ClusterSpec spec) {
        return engine.addCluster(requireNonNull(spec, "spec"));
    }

    /** Deletes a cluster and its endpoints; {@code recursive} also ends the sessions routed through it. */
    public CompletableFuture<Void> deleteCluster(String name, boolean recursive) {
        return engine.deleteCluster(name, recursive);
    }

    /** Adds an endpoint to a cluster. */
    public CompletableFuture<Void> addEndpoint(String cluster, EndpointSpec spec) {
        return engine.addEndpoint(cluster, requireNonNull(spec, "spec"));
    }

    /** Deletes an endpoint; {@code recursive} disconnects its sessions, which reconnect per their retry policy. */
    public CompletableFuture<Void> deleteEndpoint(String name, boolean recursive) {
        return engine.deleteEndpoint(name, recursive);
    }

    /** Adds a rule list (and its inline rules). */
    public CompletableFuture<Void> addRuleList(RuleListSpec spec) {
        return engine.addRuleList(requireNonNull(spec, "spec"));
    }

    /** Deletes a rule list; {@code recursive} also deletes its inline rules. */
    public CompletableFuture<Void> deleteRuleList(String name, boolean recursive) {
        return engine.deleteRuleList(name, recursive);
    }

    /** Inserts a rule (a name or an inline rule) into a rule list at {@code position}. */
    public CompletableFuture<Void> addRuleToRuleList(String list, int position, Ref<RuleSpec> rule) {
        return engine.addRuleToRuleList(list, position, requireNonNull(rule, "rule"));
    }

    /** Removes a rule (by position or name) from a rule list; {@code recursive} also deletes the rule. */
    public CompletableFuture<Void> deleteRuleFromRuleList(String list, String positionOrName, boolean recursive) {
        return engine.deleteRuleFromRuleList(list, positionOrName, recursive);
    }

    /** Adds a rule. */
    public CompletableFuture<Void> addRule(RuleSpec spec) {
        return engine.addRule(requireNonNull(spec, "spec"));
    }

    /** Deletes a rule; {@code recursive} also deletes its inline route. */
    public CompletableFuture<Void> deleteRule(String name, boolean recursive) {
        return engine.deleteRule(name, recursive);
    }

    /** Adds a route. */
    public CompletableFuture<Void> addRoute(RouteSpec spec) {
        return engine.addRoute(requireNonNull(spec, "spec"));
    }

    /**
     * Replaces the route of the same name. Live sessions on it are re-routed at once: the listener's side stays
     * connected, every other stage is reconnected along the new route.
     */
    public CompletableFuture<Void> replaceRoute(RouteSpec spec) {
        return engine.replaceRoute(requireNonNull(spec, "spec"));
    }

    /** Deletes a route; {@code recursive} also deletes its inline clusters, ending their sessions. */
    public CompletableFuture<Void> deleteRoute(String name, boolean recursive) {
        return engine.deleteRoute(name, recursive);
    }

    /** Ends a session; the client sees its connection closed. */
    public CompletableFuture<Void> deleteSession(String name) {
        return engine.deleteSession(name);
    }

    /**
     * Adds everything a config defines (clusters, listeners, rulelists, rules, routes, in that order) as one change,
     * and replaces the admin settings when it has an {@code admin} block.
     */
    public CompletableFuture<Void> apply(Config config) {
        return engine.apply(requireNonNull(config, "config"));
    }

    /**
     * Makes the running config match {@code desired}, declaratively, in one change that takes effect entirely or not at
     * all: what it names is added, changed or left alone (when equal to what the previous sync applied), and what the
     * previous sync applied and it no longer names is deleted with what it defined inline. A cluster or listener whose
     * protocol spec stays is changed in place: its sockets, live sessions and counters survive, an endpoint that goes
     * has its sessions disconnected. Objects no sync made are left alone unless {@code desired} names them. The admin
     * block is not synced ({@link #setAdmin}). Every top-level object needs a name.
     */
    public CompletableFuture<SyncResult> sync(Config desired) {
        return engine.sync(requireNonNull(desired, "desired"));
    }

    /** Replaces the admin settings. */
    public CompletableFuture<Void> setAdmin(AdminSpec admin) {
        return engine.setAdmin(requireNonNull(admin, "admin"));
    }
}
