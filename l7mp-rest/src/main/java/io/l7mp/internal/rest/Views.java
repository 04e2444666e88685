package io.l7mp.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.l7mp.ClusterInfo;
import io.l7mp.EndpointInfo;
import io.l7mp.L7mp;
import io.l7mp.ListenerInfo;
import io.l7mp.NotFoundException;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.StageInfo;
import io.l7mp.Stats;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON shapes the API returns, as l7mp's: objects refer to each other by name, {@code recursive} expands the
 * names into the objects (a name that resolves to nothing shows as {@code "<name>:<STALE>"}).
 */
final class Views {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Header values never shown in session dumps: they may carry the API's own bearer token. */
    private static final List<String> REDACTED_HEADERS = List.of("authorization", "proxy-authorization");

    private final L7mp proxy;
    private final ConfigCodec codec;

    Views(L7mp proxy) {
        this.proxy = proxy;
        this.codec = proxy.codec();
    }

    static TextNode stale(String name) {
        return TextNode.valueOf(name + ":<STALE>");
    }

    // ------------------------------------------------------------------ admin, config

    /** Returns {@code {log_level, strict, version, ...}}, the API token left out. */
    ObjectNode admin() {
        final AdminSpec a = proxy.admin();
        final ObjectNode n = (ObjectNode) codec.toTree(a.withApiToken(null));
        if (!n.has("log_level")) {
            n.put("log_level", "info");
        }
        if (!n.has("strict")) {
            n.put("strict", a.isStrict());
        }
        return n;
    }

    /**
     * Returns the running config that loads back as a static config: every object named, clusters with their full
     * endpoint lists, plus l7mp's {@code endpoints} and {@code sessions} lists (ignored when loaded).
     */
    ObjectNode config() {
        final ObjectNode n = (ObjectNode) codec.toTree(proxy.config());
        n.set("admin", admin());
        final ArrayNode eps = n.putArray("endpoints");
        for (final ClusterInfo c : proxy.clusters()) {
            for (final EndpointInfo e : c.endpoints()) {
                eps.add(endpoint(e, c.spec()));
            }
        }
        n.set("sessions", sessions());
        return n;
    }

    // ------------------------------------------------------------------ listeners, clusters, endpoints

    ObjectNode listener(ListenerInfo l, boolean recursive) {
        final ObjectNode n = F.objectNode();
        n.put("name", l.name());
        n.set("spec", codec.toTree(l.spec().spec()));
        final String list = l.spec().rules() instanceof Ref.Named<RuleListSpec> named ? named.name() : "";
        if (recursive) {
            final RuleListSpec rl = proxy.ruleLists().get(list);
            n.set("rules", rl == null ? stale(list) : ruleRefs(rl, true));
        } else {
            n.put("rules", list);
        }
        n.set("options", codec.toTree(l.spec().optionsOrDefault()));
        return n;
    }

    ArrayNode listeners(boolean recursive) {
        final ArrayNode a = F.arrayNode();
        for (final ListenerInfo l : proxy.listeners()) {
            a.add(listener(l, recursive));
        }
        return a;
    }

    /** Returns {@code {name, spec, endpoints: <count>, loadbalancer}}; recursive: {@code endpoints: [EndPoint]}. */
    ObjectNode cluster(ClusterInfo c, boolean recursive) {
        final ObjectNode n = F.objectNode();
        n.put("name", c.name());
        n.set("spec", codec.toTree(c.spec().spec()));
        if (recursive) {
            n.set("endpoints", endpoints(c));
        } else {
            n.put("endpoints", c.endpoints().size());
        }
        n.set("loadbalancer", codec.toTree(c.spec().loadBalancerOrDefault()));
        if (c.spec().options() != null) {
            n.set("options", c.spec().options().deepCopy());
        }
        if (c.spec().healthCheck() != null) {
            n.set("health_check", codec.toTree(c.spec().healthCheck()));
        }
        if (c.spec().circuitBreaker() != null) {
            n.set("circuit_breaker", codec.toTree(c.spec().circuitBreaker()));
        }
        return n;
    }

    ArrayNode clusters(boolean recursive) {
        final ArrayNode a = F.arrayNode();
        for (final ClusterInfo c : proxy.clusters()) {
            a.add(cluster(c, recursive));
        }
        return a;
    }

    JsonNode clusterRef(String name, boolean recursive) {
        if (!recursive) {
            return TextNode.valueOf(name);
        }
        try {
            return cluster(proxy.cluster(name), true);
        } catch (final NotFoundException e) {
            return stale(name);
        }
    }

    ArrayNode endpoints(ClusterInfo c) {
        final ArrayNode a = F.arrayNode();
        for (final EndpointInfo e : c.endpoints()) {
            a.add(endpoint(e, c.spec()));
        }
        return a;
    }

    /**
     * Returns {@code {name, spec: {address[, port]}, weight}}, plus ours, {@code health: healthy|unhealthy|ejected}, in
     * a cluster with a health check or circuit breaker.
     */
    ObjectNode endpoint(EndpointInfo e) {
        ClusterSpec c;
        try {
            c = proxy.cluster(e.cluster()).spec();
        } catch (final NotFoundException gone) {
            c = null;
        }
        return endpoint(e, c);
    }

    ObjectNode endpoint(EndpointInfo e, @Nullable ClusterSpec c) {
        final ObjectNode n = (ObjectNode) codec.toTree(e.spec());
        if (c != null && (c.healthCheck() != null || c.circuitBreaker() != null)) {
            n.put("health", e.health().name().toLowerCase(java.util.Locale.ROOT));
        }
        return n;
    }

    // ------------------------------------------------------------------ rulelists, rules, routes

    ObjectNode ruleList(RuleListSpec rl, boolean recursive) {
        final ObjectNode n = F.objectNode();
        n.put("name", rl.name());
        n.set("rules", ruleRefs(rl, recursive));
        return n;
    }

    ArrayNode ruleLists(boolean recursive) {
        final ArrayNode a = F.arrayNode();
        for (final RuleListSpec rl : proxy.ruleLists().values()) {
            a.add(ruleList(rl, recursive));
        }
        return a;
    }

    private ArrayNode ruleRefs(RuleListSpec rl, boolean recursive) {
        final ArrayNode a = F.arrayNode();
        final Map<String, RuleSpec> rules = proxy.rules();
        for (final Ref<RuleSpec> r : rl.rules()) {
            final String name = r instanceof Ref.Named<RuleSpec> named ? named.name() : "";
            if (!recursive) {
                a.add(name);
            } else {
                final RuleSpec spec = rules.get(name);
                a.add(spec == null ? stale(name) : rule(spec, true));
            }
        }
        return a;
    }

    /** Returns {@code {name, match, action: {rewrite?, route?, apply?}}}; a match-all rule has no {@code match}. */
    ObjectNode rule(RuleSpec r, boolean recursive) {
        final ObjectNode n = (ObjectNode) codec.toTree(r);
        if (recursive && r.action().route() instanceof Ref.Named<RouteSpec> named) {
            final RouteSpec route = proxy.routes().get(named.name());
            ((ObjectNode) n.get("action")).set("route", route == null ? stale(named.name()) : route(route, true));
        }
        return n;
    }

    ArrayNode rules(boolean recursive) {
        final ArrayNode a = F.arrayNode();
        for (final RuleSpec r : proxy.rules().values()) {
            a.add(rule(r, recursive));
        }
        return a;
    }

    /**
     * Returns {@code {name, destination, ingress: [...], egress: [...], retry}}, plus {@code session: [...]} when the
     * route has session transforms.
     */
    ObjectNode route(RouteSpec r, boolean recursive) {
        final ObjectNode n = F.objectNode();
        n.put("name", r.name());
        n.set("destination", clusterRef(name(r.destination()), recursive));
        final ArrayNode in = n.putArray("ingress");
        r.ingress().forEach(c -> in.add(clusterRef(name(c), recursive)));
        final ArrayNode out = n.putArray("egress");
        r.egress().forEach(c -> out.add(clusterRef(name(c), recursive)));
        n.set("retry", codec.toTree(r.retryOrDefault()));
        if (!r.session().isEmpty()) {
            final ArrayNode ses = n.putArray("session");
            r.session().forEach(c -> ses.add(clusterRef(name(c), recursive)));
        }
        return n;
    }

    ArrayNode routes(boolean recursive) {
        final ArrayNode a = F.arrayNode();
        for (final RouteSpec r : proxy.routes().values()) {
            a.add(route(r, recursive));
        }
        return a;
    }

    private static String name(Ref<?> r) {
        return r instanceof Ref.Named<?> n ? n.name() : "";
    }

    // ------------------------------------------------------------------ sessions

    ArrayNode sessions() {
        final ArrayNode a = F.arrayNode();
        for (final SessionInfo s : proxy.sessions()) {
            a.add(session(s));
        }
        return a;
    }

    /**
     * Returns l7mp's session dump: {@code {name, metadata, source: {origin, listener, status}, destination: {origin,
     * endpoint, status} | {status: PENDING}, ingress: [stage], egress: [stage], status, events}}, plus the route and
     * the counters. Authorization headers in the metadata are redacted.
     */
    ObjectNode session(SessionInfo s) {
        final ObjectNode n = F.objectNode();
        n.put("name", s.name());
        final JsonNode md = s.metadata().deepCopy();
        final JsonNode headers = md.path("HTTP").path("headers");
        if (headers instanceof ObjectNode h) {
            for (final String r : REDACTED_HEADERS) {
                if (h.has(r)) {
                    h.put(r, "<REDACTED>");
                }
            }
        }
        n.set("metadata", md);
        final ObjectNode src = n.putObject("source");
        src.put("origin", s.source().origin());
        try {
            src.set("listener", codec.toTree(proxy.listener(s.listener()).spec().spec()));
        } catch (final NotFoundException e) {
            src.set("listener", stale(s.listener()));
        }
        src.put("status", s.source().status());
        if (s.destination() == null) {
            n.putObject("destination").put("status", "PENDING");
        } else {
            n.set("destination", stage(s.destination()));
        }
        final ArrayNode in = n.putArray("ingress");
        s.ingress().forEach(st -> in.add(stage(st)));
        final ArrayNode out = n.putArray("egress");
        s.egress().forEach(st -> out.add(stage(st)));
        n.put("status", s.status().name());
        if (s.route() != null) {
            n.put("route", s.route());
        }
        n.set("stats", stats(s.stats()));
        final ArrayNode ev = n.putArray("events");
        for (final SessionEvent e : s.events()) {
            final ObjectNode o = ev.addObject();
            o.put("event", e.event());
            o.put("timestamp", e.timestamp().toString());
            o.put("message", e.message());
            if (e.content() != null && !e.content().isEmpty()) {
                o.put("content", e.content());
            }
        }
        return n;
    }

    /** Returns {@code {origin, endpoint: {name, spec}, peer, status}} for a stage (no endpoint for local ones). */
    private ObjectNode stage(StageInfo st) {
        final ObjectNode n = F.objectNode();
        n.put("origin", st.origin());
        final String ep = st.endpoint();
        if (ep != null) {
            final ObjectNode e = n.putObject("endpoint");
            e.put("name", ep);
            try {
                e.set("spec", codec.toTree(proxy.endpoint(ep).spec().spec()));
            } catch (final NotFoundException x) {
                e.set("spec", stale(ep));
            }
        }
        if (!st.peer().isEmpty()) {
            n.put("peer", st.peer());
        }
        n.put("status", st.status());
        return n;
    }

    static ObjectNode stats(Stats s) {
        final ObjectNode n = F.objectNode();
        n.put("sessions", s.sessions());
        n.put("active_sessions", s.activeSessions());
        n.put("ingress_packets", s.ingressPackets());
        n.put("ingress_bytes", s.ingressBytes());
        n.put("egress_packets", s.egressPackets());
        n.put("egress_bytes", s.egressBytes());
        n.put("errors", s.errors());
        n.put("retries", s.retries());
        return n;
    }

    /** Finds a rule of a list by position (an integer) or by name. */
    static @Nullable String ruleAt(RuleListSpec rl, String positionOrName) {
        final List<Ref<RuleSpec>> rules = rl.rules();
        for (final Ref<RuleSpec> r : rules) {
            if (r instanceof Ref.Named<RuleSpec> n && n.name().equals(positionOrName)) {
                return n.name();
            }
        }
        try {
            final int i = Integer.parseInt(positionOrName);
            return i >= 0 && i < rules.size() && rules.get(i) instanceof Ref.Named<RuleSpec> n ? n.name() : null;
        } catch (final NumberFormatException e) {
            return null;
        }
    }
}
