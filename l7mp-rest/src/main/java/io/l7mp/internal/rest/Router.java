package io.l7mp.internal.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The operations of the API under {@code /api/v1}: l7mp's, with its operation ids, plus ours: the OpenAPI document and
 * {@code PUT /routes/{name}}, which changes a route and re-routes its live sessions.
 */
final class Router {
    /** The prefix every API path starts with. */
    static final String PREFIX = "/api/v1";

    /**
     * One operation.
     *
     * @param method      the HTTP method
     * @param path        the path under {@link #PREFIX}, with {@code {name}} and {@code {position}} parameters
     * @param operationId l7mp's operation id (ours for the OpenAPI document)
     */
    record Route(String method, String path, String operationId) {
        List<String> segments() {
            return split(path);
        }
    }

    /**
     * A matched operation.
     *
     * @param route  the operation
     * @param params the path parameters, decoded
     */
    record Match(Route route, Map<String, String> params) {
    }

    static final List<Route> ROUTES = List.of(
            new Route("GET", "/config", "getConf"),
            new Route("POST", "/config", "setConf"),
            new Route("PUT", "/config", "syncConf"),
            new Route("GET", "/admin", "getAdmin"),
            new Route("POST", "/admin", "applyAdmin"),
            new Route("GET", "/listeners", "getListeners"),
            new Route("POST", "/listeners", "addListener"),
            new Route("GET", "/listeners/{name}", "getListener"),
            new Route("DELETE", "/listeners/{name}", "deleteListener"),
            new Route("GET", "/clusters", "getClusters"),
            new Route("POST", "/clusters", "addCluster"),
            new Route("GET", "/clusters/{name}", "getCluster"),
            new Route("DELETE", "/clusters/{name}", "deleteCluster"),
            new Route("GET", "/clusters/{name}/endpoints", "getEndPoints"),
            new Route("POST", "/clusters/{name}/endpoints", "addEndPoint"),
            new Route("GET", "/endpoints/{name}", "getEndPoint"),
            new Route("DELETE", "/endpoints/{name}", "deleteEndPoint"),
            new Route("GET", "/rulelists", "getRuleLists"),
            new Route("POST", "/rulelists", "addRuleList"),
            new Route("GET", "/rulelists/{name}", "getRuleList"),
            new Route("DELETE", "/rulelists/{name}", "deleteRuleList"),
            new Route("GET", "/rulelists/{name}/rules/{position}", "getRuleFromRuleList"),
            new Route("POST", "/rulelists/{name}/rules/{position}", "addRuleToRuleList"),
            new Route("DELETE", "/rulelists/{name}/rules/{position}", "deleteRuleFromRuleList"),
            new Route("GET", "/rules", "getRules"),
            new Route("POST", "/rules", "addRule"),
            new Route("GET", "/rules/{name}", "getRule"),
            new Route("DELETE", "/rules/{name}", "deleteRule"),
            new Route("GET", "/routes", "getRoutes"),
            new Route("POST", "/routes", "addRoute"),
            new Route("GET", "/routes/{name}", "getRoute"),
            new Route("PUT", "/routes/{name}", "replaceRoute"),
            new Route("DELETE", "/routes/{name}", "deleteRoute"),
            new Route("GET", "/sessions", "getSessions"),
            new Route("GET", "/sessions/{name}", "getSession"),
            new Route("DELETE", "/sessions/{name}", "deleteSession"),
            new Route("GET", "/openapi.yaml", "getOpenApiYaml"),
            new Route("GET", "/openapi.json", "getOpenApiJson"));

    private Router() {
    }

    /**
     * Finds the operation for a method and a path under {@link #PREFIX} (raw, percent-encoded).
     *
     * @throws ApiException 404 for an unknown path, 405 (with {@code Allow}) for a known path and another method,
     *                      400 for a malformed percent-encoding
     */
    static Match match(String method, String path) {
        final List<String> segs = split(path);
        final TreeSet<String> allowed = new TreeSet<>();
        for (final Route r : ROUTES) {
            final Map<String, String> params = bind(r.segments(), segs);
            if (params == null) {
                continue;
            }
            if (r.method().equals(method)) {
                return new Match(r, params);
            }
            allowed.add(r.method());
        }
        if (allowed.isEmpty()) {
            throw new ApiException(404, "Unknown API operation: " + method + " " + PREFIX + path);
        }
        throw new ApiException(405, "Method " + method + " not allowed on " + PREFIX + path + " (allowed: "
                + String.join(", ", allowed) + ")", Map.of("allow", String.join(", ", allowed)));
    }

    private static @Nullable Map<String, String> bind(List<String> template, List<String> segs) {
        if (template.size() != segs.size()) {
            return null;
        }
        final Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < segs.size(); i++) {
            final String t = template.get(i);
            if (t.startsWith("{")) {
                params.put(t.substring(1, t.length() - 1), decode(segs.get(i)));
            } else if (!t.equals(segs.get(i))) {
                return null;
            }
        }
        return params;
    }

    private static List<String> split(String path) {
        final List<String> l = new ArrayList<>();
        for (final String s : path.split("/", -1)) {
            if (!s.isEmpty()) {
                l.add(s);
            }
        }
        return l;
    }

    /** Decodes %XX escapes as UTF-8; unlike form decoding, '+' stays '+'. */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        final byte[] raw = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != '%') {
                out.write(raw[i]);
                continue;
            }
            final int hi = i + 2 < raw.length ? Character.digit(raw[i + 1], 16) : -1;
            final int lo = hi >= 0 ? Character.digit(raw[i + 2], 16) : -1;
            if (lo < 0) {
                throw new ApiException(400, "path: malformed percent-encoding in \"" + s + "\"");
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (final java.nio.charset.CharacterCodingException e) {
            throw new ApiException(400, "path: \"" + s + "\" is not UTF-8");
        }
    }
}
