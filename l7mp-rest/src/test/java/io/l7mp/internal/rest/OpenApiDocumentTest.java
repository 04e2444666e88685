package io.l7mp.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Keeps the OpenAPI document true: the router handles exactly the operations it describes. */
class OpenApiDocumentTest {
    private static JsonNode document() throws Exception {
        return new YAMLMapper().readTree(RestService.openApiYaml());
    }

    @Test
    void everyRouteIsInTheDocumentAndViceVersaWithItsOperationId() throws Exception {
        final JsonNode doc = document();
        assertThat(doc.at("/servers/0/url").asText()).isEqualTo(Router.PREFIX);
        final Map<String, String> documented = new TreeMap<>();
        for (final Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            final Map.Entry<String, JsonNode> p = paths.next();
            for (final Iterator<String> ms = p.getValue().fieldNames(); ms.hasNext(); ) {
                final String m = ms.next();
                if (!m.equals("parameters")) {
                    documented.put(m.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey(),
                            p.getValue().get(m).get("operationId").asText());
                }
            }
        }
        final Map<String, String> routed = new TreeMap<>();
        for (final Router.Route r : Router.ROUTES) {
            routed.put(r.method() + " " + r.path(), r.operationId());
        }
        assertThat(documented).isEqualTo(routed);
    }

    @Test
    void pathParametersAreDeclaredAndReferencesResolve() throws Exception {
        final JsonNode doc = document();
        for (final Router.Route r : Router.ROUTES) {
            final JsonNode path = doc.get("paths").get(r.path());
            final TreeSet<String> declared = new TreeSet<>();
            for (final JsonNode params : new JsonNode[] {path.path("parameters"),
                    path.get(r.method().toLowerCase(java.util.Locale.ROOT)).path("parameters")}) {
                for (final JsonNode p : params) {
                    final JsonNode resolved = resolve(doc, p);
                    if ("path".equals(resolved.path("in").asText())) {
                        declared.add(resolved.get("name").asText());
                    }
                }
            }
            final TreeSet<String> used = new TreeSet<>();
            for (final String seg : r.segments()) {
                if (seg.startsWith("{")) {
                    used.add(seg.substring(1, seg.length() - 1));
                }
            }
            assertThat(declared).as(r.toString()).isEqualTo(used);
        }
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$ref: '#/([^']+)'")
                .matcher(new String(RestService.openApiYaml(), java.nio.charset.StandardCharsets.UTF_8));
        int refs = 0;
        while (m.find()) {
            assertThat(doc.at("/" + m.group(1)).isMissingNode()).as(m.group(1)).isFalse();
            refs++;
        }
        assertThat(refs).isGreaterThan(50);
    }

    private static JsonNode resolve(JsonNode doc, JsonNode n) {
        return n.has("$ref") ? doc.at(n.get("$ref").asText().substring(1)) : n;
    }
}
