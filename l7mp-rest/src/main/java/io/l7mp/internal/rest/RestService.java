package io.l7mp.internal.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.l7mp.ClusterInfo;
import io.l7mp.ConfigException;
import io.l7mp.ConflictException;
import io.l7mp.EndpointInfo;
import io.l7mp.L7mp;
import io.l7mp.L7mpException;
import io.l7mp.ListenerInfo;
import io.l7mp.NotFoundException;
import io.l7mp.SessionInfo;
import io.l7mp.StageInfo;
import io.l7mp.spec.AdminSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ConfigCodec;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * l7mp's REST API over the public {@link L7mp} interface. Reads answer from the proxy's snapshots at once; changes
 * are single engine changes, so a rejected call changes nothing. Errors: 400 malformed body or invalid field (the
 * content names the JSON path), 401 missing token, 403 refused protocol or security setting, 404 unknown object or
 * operation, 405 wrong method, 409 duplicate, 413 body too large (the controller), 415 unknown content type. Never
 * throws: every failure becomes an answer.
 */
final class RestService {
    private static final Logger logger = LoggerFactory.getLogger(RestService.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String JSON = "application/json";
    private static final ObjectWriter PLAIN = new ObjectMapper().writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));
    private static final ObjectWriter TERSE = new ObjectMapper().writer();
    private static final String OPENAPI_RESOURCE = "/io/l7mp/rest/openapi.yaml";
    private static final List<String> CONFIG_KEYS = List.of("admin", "listeners", "clusters", "rulelists", "rules",
            "routes", "endpoints", "sessions");
    private static volatile byte @Nullable [] openApiYaml;

    private final L7mp proxy;
    private final ConfigCodec codec;
    /** The proxy's codec made strict, for while {@code admin.strict} is on; made at the first call that needs it. */
    private volatile @Nullable ConfigCodec strictCodec;
    private final Views views;

    RestService(L7mp proxy) {
        this.proxy = proxy;
        this.codec = proxy.codec();
        this.views = new Views(proxy);
    }

    /** Runs one API call; the future always completes normally, with the answer. */
    CompletableFuture<RestResponse> handle(RestRequest req) {
        CompletableFuture<RestResponse> f;
        try {
            f = route(req);
        } catch (final RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.handle((r, e) -> e == null ? r : error(e));
    }

    // ------------------------------------------------------------------ dispatch

    private CompletableFuture<RestResponse> route(RestRequest req) {
        authorize(req.authorization());
        String url = req.url();
        final int hash = url.indexOf('#');
        if (hash >= 0) {
            url = url.substring(0, hash);
        }
        final int q = url.indexOf('?');
        final String path = q >= 0 ? url.substring(0, q) : url;
        final Map<String, String> query = query(q >= 0 ? url.substring(q + 1) : "");
        if (!path.startsWith(Router.PREFIX + "/") && !path.equals(Router.PREFIX)) {
            throw new ApiException(404, "Unknown API operation: " + req.method() + " " + path);
        }
        final Router.Match m = Router.match(req.method(), path.substring(Router.PREFIX.length()));
        final boolean recursive = "true".equals(query.get("recursive"));
        final boolean orphans = "true".equals(query.get("removeOrphanSessions"));
        final boolean terse = "terse".equals(query.get("format"));
        final String name = m.params().getOrDefault("name", "");
        final String position = m.params().getOrDefault("position", "");
        return switch (m.route().operationId()) {
            case "getConf" -> json(views.config(), terse);
            case "setConf" -> setConfig(req, terse);
            case "syncConf" -> syncConfig(req, terse);
            case "getAdmin" -> json(views.admin(), terse);
            case "applyAdmin" -> {
                final AdminSpec a = read(req, "admin", AdminSpec.class);
                yield write(proxy.setAdmin(secured(a)), terse);
            }
            case "getListeners" -> json(views.listeners(recursive), terse);
            case "addListener" -> {
                final ListenerSpec l = read(req, "listener", ListenerSpec.class);
                guard(g -> g.check(l, "listener"));
                yield write(proxy.addListener(l), terse);
            }
            case "getListener" -> json(views.listener(proxy.listener(name), recursive), terse);
            case "deleteListener" -> delete(() -> proxy.deleteListener(name, recursive), orphans, req, terse);
            case "getClusters" -> json(views.clusters(recursive), terse);
            case "addCluster" -> {
                final ClusterSpec c = read(req, "cluster", ClusterSpec.class);
                guard(g -> g.check(c, "cluster"));
                yield write(proxy.addCluster(c), terse);
            }
            case "getCluster" -> json(views.cluster(proxy.cluster(name), recursive), terse);
            case "deleteCluster" -> delete(() -> proxy.deleteCluster(name, recursive), orphans, req, terse);
            case "getEndPoints" -> json(views.endpoints(proxy.cluster(name)), terse);
            case "addEndPoint" -> {
                final EndpointSpec e = read(req, "endpoint", EndpointSpec.class);
                final ProtocolSpec cluster = proxy.cluster(name).spec().spec();
                guard(g -> g.checkEndpoint(cluster, e, "endpoint"));
                yield write(proxy.addEndpoint(name, e), terse);
            }
            case "getEndPoint" -> json(views.endpoint(proxy.endpoint(name)), terse);
            case "deleteEndPoint" -> delete(() -> proxy.deleteEndpoint(name, recursive), orphans, req, terse);
            case "getRuleLists" -> json(views.ruleLists(recursive), terse);
            case "addRuleList" -> {
                final RuleListSpec rl = read(req, "rulelist", RuleListSpec.class);
                guard(g -> g.check(rl, "rulelist.rules"));
                yield write(proxy.addRuleList(rl), terse);
            }
            case "getRuleList" -> json(views.ruleList(ruleList(name), recursive), terse);
            case "deleteRuleList" -> delete(() -> proxy.deleteRuleList(name, recursive), orphans, req, terse);
            case "getRuleFromRuleList" -> json(views.rule(ruleOf(name, position), recursive), terse);
            case "addRuleToRuleList" -> addRuleToRuleList(req, name, position, terse);
            case "deleteRuleFromRuleList" ->
                    delete(() -> proxy.deleteRuleFromRuleList(name, position, recursive), orphans, req, terse);
            case "getRules" -> json(views.rules(recursive), terse);
            case "addRule" -> {
                final RuleSpec r = read(req, "rule", RuleSpec.class);
                guard(g -> g.check(r, "rule"));
                yield write(proxy.addRule(r), terse);
            }
            case "getRule" -> json(views.rule(rule(name), recursive), terse);
            case "deleteRule" -> delete(() -> proxy.deleteRule(name, recursive), orphans, req, terse);
            case "getRoutes" -> json(views.routes(recursive), terse);
            case "addRoute" -> {
                final RouteSpec r = read(req, "route", RouteSpec.class);
                guard(g -> g.check(r, "route"));
                yield write(proxy.addRoute(r), terse);
            }
            case "getRoute" -> json(views.route(route(name), recursive), terse);
            case "replaceRoute" -> {
                final RouteSpec r = read(req, "route", RouteSpec.class);
                if (r.name() != null && !r.name().equals(name)) {
                    throw new ApiException(400, "route.name: \"" + r.name() + "\" (expected: \"" + name
                            + "\", the name in the path)");
                }
                guard(g -> g.check(r, "route"));
                yield write(proxy.replaceRoute(r.withName(name)), terse);
            }
            case "deleteRoute" -> delete(() -> proxy.deleteRoute(name, recursive), orphans, req, terse);
            case "getSessions" -> json(views.sessions(), terse);
            case "getSession" -> json(views.session(proxy.session(name)), terse);
            case "deleteSession" -> write(proxy.deleteSession(name), terse);
            case "getOpenApiYaml" -> done(new RestResponse(200, "application/yaml", openApiYaml()));
            case "getOpenApiJson" -> done(new RestResponse(200, JSON, openApiJson()));
            default -> throw new IllegalStateException("no handler for " + m.route().operationId());
        };
    }

    private void authorize(@Nullable String authorization) {
        final String token = proxy.admin().apiToken();
        if (token == null) {
            return;
        }
        final String prefix = "Bearer ";
        final boolean ok = authorization != null && authorization.regionMatches(true, 0, prefix, 0, prefix.length())
                && MessageDigest.isEqual(authorization.substring(prefix.length()).trim()
                .getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            throw new ApiException(401, "missing or wrong bearer token (expected: Authorization: Bearer <token>)",
                    Map.of("www-authenticate", "Bearer realm=\"l7mp\""));
        }
    }

    private static Map<String, String> query(String q) {
        final Map<String, String> m = new HashMap<>();
        for (final String kv : q.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            final int eq = kv.indexOf('=');
            try {
                final String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                final String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                m.putIfAbsent(k, v);
            } catch (final IllegalArgumentException e) {
                throw new ApiException(400, "query: malformed \"" + kv + "\"");
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ reads

    private RuleListSpec ruleList(String name) {
        final RuleListSpec rl = proxy.ruleLists().get(name);
        if (rl == null) {
            throw new NotFoundException("rulelist", name);
        }
        return rl;
    }

    private RuleSpec rule(String name) {
        final RuleSpec r = proxy.rules().get(name);
        if (r == null) {
            throw new NotFoundException("rule", name);
        }
        return r;
    }

    private RouteSpec route(String name) {
        final RouteSpec r = proxy.routes().get(name);
        if (r == null) {
            throw new NotFoundException("route", name);
        }
        return r;
    }

    private RuleSpec ruleOf(String list, String positionOrName) {
        final String r = Views.ruleAt(ruleList(list), positionOrName);
        if (r == null) {
            throw new ApiException(404, "rule \"" + positionOrName + "\" not found in rulelist \"" + list + "\"");
        }
        return rule(r);
    }

    // ------------------------------------------------------------------ changes

    /**
     * The codec for reading a request: strict while the running {@code admin.strict} is on, so that turning it on with
     * {@code POST /admin} refuses unknown fields as {@code -s} does, not only dangling references.
     */
    private ConfigCodec codec() {
        if (codec.isStrict() || !proxy.admin().isStrict()) {
            return codec;
        }
        ConfigCodec s = strictCodec;
        if (s == null) {
            s = codec.strict(true);
            strictCodec = s;
        }
        return s;
    }

    private JsonNode body(RestRequest req) {
        return Bodies.parse(codec, req.contentType(), req.body());
    }

    /** Reads the object of an l7mp envelope ({@code {"listener": {...}}}) as a spec; errors name the JSON path. */
    private <T> T read(RestRequest req, String key, Class<T> type) {
        final JsonNode body = body(req);
        final JsonNode n = Bodies.envelope(body, key);
        strictEnvelope(body, key);
        return codec().read(n, type, key);
    }

    private void strictEnvelope(JsonNode body, String key) {
        if (!codec().isStrict()) {
            return;
        }
        for (final Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            final String f = it.next();
            if (!f.equals(key)) {
                throw new ApiException(400, f + ": unknown field (expected: " + key + ")");
            }
        }
    }

    private void guard(Consumer<LocalGuard> check) {
        final AdminSpec admin = proxy.admin();
        if (!admin.allowsLocal()) {
            check.accept(new LocalGuard(admin.localDirsOrEmpty()));
        }
    }

    /** Keeps the admin block's security settings: they come only from the static config or the Java API. */
    private AdminSpec secured(AdminSpec given) {
        final AdminSpec current = proxy.admin();
        if (given.allowLocal() != null && given.allowsLocal() != current.allowsLocal()) {
            throw new ApiException(403, "admin.allow_local: cannot be changed over the REST API");
        }
        if (given.apiToken() != null && !given.apiToken().equals(current.apiToken())) {
            throw new ApiException(403, "admin.api_token: cannot be changed over the REST API");
        }
        if (given.localDirs() != null && !given.localDirs().equals(current.localDirsOrEmpty())) {
            throw new ApiException(403, "admin.local_dirs: cannot be changed over the REST API");
        }
        if (codec.isStrict() && given.strict() != null && !given.isStrict()) {
            // The proxy reads everything strictly since its start (-s): turning that off here would only be shown.
            throw new ApiException(403, "admin.strict: the proxy was started strict (-s); it cannot be turned off over"
                    + " the REST API");
        }
        final AdminSpec a = given.withAllowLocal(current.allowLocal()).withApiToken(current.apiToken())
                .withLocalDirs(current.localDirs()).withVersion(null);
        return codec.isStrict() ? a.withStrict(true) : a;
    }

    /** Ours: {@code PUT /config} makes the running config match the body; answers what changed. */
    private CompletableFuture<RestResponse> syncConfig(RestRequest req, boolean terse) {
        final Config cfg = configBody(req);
        return proxy.sync(cfg).thenApply(r -> {
            final ObjectNode n = status(200, null);
            final ObjectNode c = n.putObject("content");
            r.added().forEach(c.putArray("added")::add);
            r.changed().forEach(c.putArray("changed")::add);
            r.removed().forEach(c.putArray("removed")::add);
            c.put("unchanged", r.unchanged());
            return new RestResponse(200, JSON, serialize(n, terse));
        });
    }

    private CompletableFuture<RestResponse> setConfig(RestRequest req, boolean terse) {
        Config cfg = configBody(req);
        if (cfg.admin() != null) {
            cfg = cfg.withAdmin(secured(cfg.admin()));
        }
        return write(proxy.apply(cfg), terse);
    }

    private Config configBody(RestRequest req) {
        final JsonNode body = body(req);
        if (!body.isObject()) {
            throw new ApiException(400, "body: " + Bodies.kind(body) + " (expected: a config object with admin, "
                    + "listeners, clusters, ...)");
        }
        // Even outside strict mode: a top-level key we do not know is a mistake, not a field to skip.
        for (final Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            final String f = it.next();
            if (!CONFIG_KEYS.contains(f)) {
                throw new ApiException(400, f + ": unknown field (expected: one of " + CONFIG_KEYS + ")");
            }
        }
        final Config c = codec().read(body, Config.class, "");
        guard(g -> g.check(c));
        return c;
    }

    private CompletableFuture<RestResponse> addRuleToRuleList(RestRequest req, String list, String position,
                                                              boolean terse) {
        final int pos;
        try {
            pos = Integer.parseInt(position);
        } catch (final NumberFormatException e) {
            throw new ApiException(400, "position: \"" + position + "\" (expected: an integer)");
        }
        final JsonNode body = body(req);
        final JsonNode n = Bodies.envelope(body, "rule");
        strictEnvelope(body, "rule");
        final Ref<RuleSpec> ref;
        if (n.isTextual()) {
            try {
                ref = Ref.to(n.asText());
            } catch (final IllegalArgumentException e) {
                throw new ConfigException("rule", e.getMessage().replaceFirst("^name: ", ""));
            }
        } else if (n.isObject()) {
            final RuleSpec r = codec().read(n, RuleSpec.class, "rule");
            guard(g -> g.check(r, "rule"));
            ref = Ref.inline(r);
        } else {
            throw new ApiException(400, "rule: " + Bodies.kind(n) + " (expected: a rule name or a rule)");
        }
        return write(proxy.addRuleToRuleList(list, pos, ref), terse);
    }

    /** Runs a delete; with {@code removeOrphanSessions=true} also ends the sessions that used what it deleted. */
    private CompletableFuture<RestResponse> delete(Supplier<CompletableFuture<Void>> op, boolean orphans,
                                                   RestRequest req, boolean terse) {
        if (!orphans) {
            return write(op.get(), terse);
        }
        final Names before = Names.of(proxy);
        return write(op.get().thenCompose(v -> endOrphans(before, req.session())), terse);
    }

    private CompletableFuture<Void> endOrphans(Names before, String own) {
        final Names gone = before.minus(Names.of(proxy));
        final List<CompletableFuture<Void>> ends = new ArrayList<>();
        for (final SessionInfo s : proxy.sessions()) {
            if (!s.name().equals(own) && gone.usedBy(s)) {
                ends.add(proxy.deleteSession(s.name()).exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(ends.toArray(new CompletableFuture<?>[0]));
    }

    /** The names of the objects a session can run through, to tell which ones a delete removed. */
    private record Names(Set<String> listeners, Set<String> clusters, Set<String> endpoints, Set<String> routes) {
        static Names of(L7mp p) {
            final Set<String> ls = new HashSet<>();
            for (final ListenerInfo l : p.listeners()) {
                ls.add(l.name());
            }
            final Set<String> cs = new HashSet<>();
            final Set<String> es = new HashSet<>();
            for (final ClusterInfo c : p.clusters()) {
                cs.add(c.name());
                for (final EndpointInfo e : c.endpoints()) {
                    es.add(e.name());
                }
            }
            return new Names(ls, cs, es, new HashSet<>(p.routes().keySet()));
        }

        Names minus(Names after) {
            final Set<String> ls = new HashSet<>(listeners);
            ls.removeAll(after.listeners);
            final Set<String> cs = new HashSet<>(clusters);
            cs.removeAll(after.clusters);
            final Set<String> es = new HashSet<>(endpoints);
            es.removeAll(after.endpoints);
            final Set<String> rs = new HashSet<>(routes);
            rs.removeAll(after.routes);
            return new Names(ls, cs, es, rs);
        }

        boolean usedBy(SessionInfo s) {
            if (listeners.contains(s.listener()) || (s.route() != null && routes.contains(s.route()))) {
                return true;
            }
            final List<StageInfo> stages = new ArrayList<>(s.ingress());
            stages.addAll(s.egress());
            if (s.destination() != null) {
                stages.add(s.destination());
            }
            for (final StageInfo st : stages) {
                if (clusters.contains(st.origin()) || (st.endpoint() != null && endpoints.contains(st.endpoint()))) {
                    return true;
                }
            }
            return false;
        }
    }

    // ------------------------------------------------------------------ answers

    private static CompletableFuture<RestResponse> done(RestResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static CompletableFuture<RestResponse> json(JsonNode n, boolean terse) {
        return done(new RestResponse(200, JSON, serialize(n, terse)));
    }

    private static CompletableFuture<RestResponse> write(CompletableFuture<Void> change, boolean terse) {
        return change.thenApply(v -> new RestResponse(200, JSON, serialize(status(200, null), terse)));
    }

    private static byte[] serialize(JsonNode n, boolean terse) {
        try {
            return (terse ? TERSE : PLAIN).writeValueAsBytes(n);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns l7mp's status body: {@code {status, message[, content]}}. */
    static ObjectNode status(int code, @Nullable String content) {
        final ObjectNode n = F.objectNode();
        n.put("status", code);
        n.put("message", HttpResponseStatus.valueOf(code).reasonPhrase());
        if (content != null) {
            n.put("content", content);
        }
        return n;
    }

    static RestResponse errorResponse(int code, String content, Map<String, String> headers) {
        return new RestResponse(code, JSON, serialize(status(code, content), false), headers);
    }

    private static RestResponse error(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ApiException a) {
            return errorResponse(a.status(), String.valueOf(a.getMessage()), a.headers());
        }
        if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
            return errorResponse(400, String.valueOf(e.getMessage()), Map.of());
        }
        if (e instanceof NotFoundException) {
            return errorResponse(404, String.valueOf(e.getMessage()), Map.of());
        }
        if (e instanceof ConflictException) {
            return errorResponse(409, String.valueOf(e.getMessage()), Map.of());
        }
        if (e instanceof L7mpException) {
            return errorResponse(503, String.valueOf(e.getMessage()), Map.of());
        }
        logger.warn("REST API call failed unexpectedly", e);
        return errorResponse(500, "internal error: " + e, Map.of());
    }

    // ------------------------------------------------------------------ the OpenAPI document

    static byte[] openApiYaml() {
        byte[] b = openApiYaml;
        if (b == null) {
            try (InputStream in = RestService.class.getResourceAsStream(OPENAPI_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the jar");
                }
                b = in.readAllBytes();
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
            openApiYaml = b;
        }
        return b;
    }

    static byte[] openApiJson() {
        try {
            return serialize(new YAMLMapper().readTree(openApiYaml()), false);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
