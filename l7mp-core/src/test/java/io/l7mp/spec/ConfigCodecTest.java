package io.l7mp.spec;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the codec refuses in a document before any of it becomes a spec: the REST API and config files share it. */
class ConfigCodecTest {
    private static final ConfigCodec CODEC = ConfigCodec.defaults();
    /** Knows one protocol, "X", for documents with listeners and clusters (core has no protocol of its own). */
    private static final ConfigCodec WITH_X = ConfigCodec.of(List.of(new ProtocolProvider() {
        @Override
        public String name() {
            return "X";
        }

        @Override
        public Class<? extends ProtocolSpec> specType() {
            return BasicSpec.class;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.BYTE;
        }
    }), false);

    @Test
    void textAfterTheDocumentIsMalformedNotIgnored() {
        // JSON.parse refuses these; reading the first value and dropping the rest would apply half of what was sent.
        assertThatThrownBy(() -> CODEC.parse("{\"cluster\": {\"name\": \"a\"}} garbage", false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("malformed document");
        assertThatThrownBy(() -> CODEC.parse("{\"cluster\": {\"name\": \"a\"}} {\"cluster\": {}}", false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("malformed document");
        assertThatThrownBy(() -> CODEC.readConfig("clusters: []\n---\nclusters: [{name: b}]\n", true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("one YAML document");
    }

    @Test
    void aNullInAListIsNamedByItsPath() {
        assertThatThrownBy(() -> CODEC.readConfig("{\"listeners\": [null]}", false))
                .hasMessage("listeners[0]: null (expected: a listener)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"clusters\": [null]}", false))
                .hasMessage("clusters[0]: null (expected: a cluster)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"rulelists\": [null]}", false))
                .hasMessage("rulelists[0]: null (expected: a rulelist)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"rules\": [{\"name\": \"r\", \"action\": {\"route\": \"x\"}}, "
                + "null]}", false))
                .hasMessage("rules[1]: null (expected: a rule)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"routes\": [null]}", false))
                .hasMessage("routes[0]: null (expected: a route)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"rulelists\": [{\"name\": \"l\", \"rules\": [\"a\", null]}]}",
                false)).hasMessage("rulelists[0].rules[1]: null (expected: a rule name or a rule)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"routes\": [{\"name\": \"r\", \"destination\": \"c\", "
                + "\"egress\": [null]}]}", false))
                .hasMessage("routes[0].egress[0]: null (expected: a cluster name or a cluster)");
        assertThatThrownBy(() -> CODEC.readConfig("{\"rules\": [{\"name\": \"r\", \"action\": {\"route\": \"x\", "
                + "\"rewrite\": [null]}}]}", false))
                .hasMessage("rules[0].action.rewrite[0]: null (expected: a rewrite {path, value})");
        assertThatThrownBy(() -> CODEC.readConfig("{\"listeners\": [{\"name\": \"l\", \"rules\": [null]}]}", false))
                .hasMessage("listeners[0].rules[0]: null (expected: a rule name or a rule)");
    }

    @Test
    void aNameWithANoBreakSpaceIsRefusedAsL7mpRefusesIt() {
        // It prints like "a b": two names an operator cannot tell apart, and l7mp's /^\S+?$/ refuses it.
        for (final String space : new String[] {"\\u00a0", "\\u2007", "\\u202f", "\\u3000", "\\ufeff"}) {
            assertThatThrownBy(() -> CODEC.readConfig("{\"rulelists\": [{\"name\": \"a" + space + "b\"}]}", false))
                    .as(space).hasMessage("rulelists[0].name: \"a" + space + "b\" (whitespace " + space
                            + " at index 1; expected: a name without whitespace or control characters)");
        }
        CODEC.readConfig("{\"rulelists\": [{\"name\": \"a\\u200bb\"}, {\"name\": \"caf\u00e9\"}]}", false);
    }

    @Test
    void aNameWithAControlCharacterIsRefusedNamingTheFieldAndTheCharacter() {
        // A newline or a U+0001 in a name breaks log lines and Prometheus labels, and prints as nothing in a listing.
        final String[] controls = {"\\u0001", "\\n", "\\t", "\\r", "\\u001b", "\\u007f", "\\u0085", "\\u009f",
            "\\u2028", "\\u2029"};
        final String[] escaped = {"\\u0001", "\\u000a", "\\u0009", "\\u000d", "\\u001b", "\\u007f", "\\u0085",
            "\\u009f", "\\u2028", "\\u2029"};
        for (int i = 0; i < controls.length; i++) {
            final String bad = "\"a" + controls[i] + "b\"";
            final String expected = "\"a" + escaped[i] + "b\" (control character " + escaped[i]
                    + " at index 1; expected: a name without whitespace or control characters)";
            final String[][] docs = {
                {"{\"listeners\": [{\"name\": " + bad + ", \"spec\": {\"protocol\": \"X\"}, \"rules\": []}]}",
                    "listeners[0].name: "},
                {"{\"clusters\": [{\"name\": " + bad + ", \"spec\": {\"protocol\": \"X\"}}]}", "clusters[0].name: "},
                {"{\"clusters\": [{\"name\": \"c\", \"spec\": {\"protocol\": \"X\"}, \"endpoints\": [{\"name\": " + bad
                    + ", \"spec\": {\"address\": \"127.0.0.1\"}}]}]}", "clusters[0].endpoints[0].name: "},
                {"{\"rulelists\": [{\"name\": " + bad + "}]}", "rulelists[0].name: "},
                {"{\"rules\": [{\"name\": " + bad + ", \"action\": {\"route\": \"r\"}}]}", "rules[0].name: "},
                {"{\"routes\": [{\"name\": " + bad + ", \"destination\": \"c\"}]}", "routes[0].name: "},
                {"{\"routes\": [{\"name\": \"r\", \"destination\": " + bad + "}]}", "routes[0].destination.name: "},
            };
            for (final String[] doc : docs) {
                assertThatThrownBy(() -> WITH_X.readConfig(doc[0], false)).as(doc[0]).isInstanceOf(
                        ConfigException.class).hasMessageStartingWith(doc[1]).hasMessageEndingWith(expected);
            }
        }
        assertThatThrownBy(() -> CODEC.readConfig("rulelists: [{name: \"x\\x01\\\"q\"}]", true))
                .hasMessage("rulelists[0].name: \"x\\u0001\\\"q\" (control character \\u0001 at index 1; "
                        + "expected: a name without whitespace or control characters)");
    }

    @Test
    void theBuilderRefusesAControlCharacterInANameAsTheCodecDoes() {
        assertThatThrownBy(() -> ListenerSpec.builder("in\u0001"))
                .hasMessage("name: \"in\\u0001\" (control character \\u0001 at index 2; expected: a name without "
                        + "whitespace or control characters)");
        assertThatThrownBy(() -> ClusterSpec.builder("a\nb")).hasMessageContaining("control character \\u000a");
        assertThatThrownBy(() -> RuleSpec.builder("r\t")).hasMessageContaining("control character \\u0009");
        assertThatThrownBy(() -> RouteSpec.builder("r\u007f")).hasMessageContaining("control character \\u007f");
        assertThatThrownBy(() -> new RuleListSpec("l\u2028", List.of()))
                .hasMessageContaining("control character \\u2028");
        assertThatThrownBy(() -> EndpointSpec.of("127.0.0.1").withName("e\u0085"))
                .hasMessageContaining("control character \\u0085");
        assertThatThrownBy(() -> ListenerSpec.builder("in").spec(ProtocolSpec.of("X")).rules("rl\u0000").build())
                .hasMessageContaining("control character \\u0000");
    }

    @Test
    void aListenerWithoutRulesIsRefusedAsL7mpRefusesIt() {
        // It would accept connections only to end each one with "No route"; l7mp says "Property rules is required".
        assertThatThrownBy(() -> WITH_X.readConfig("{\"listeners\": [{\"name\": \"in\", \"spec\": {\"protocol\": "
                + "\"X\"}}]}", false)).isInstanceOf(ConfigException.class)
                .hasMessage("listeners[0].rules: missing in listener \"in\" (expected: a RuleList name or a list of "
                        + "rules; [] for a listener whose rules are added later)")
                .extracting(e -> ((ConfigException) e).path()).isEqualTo("listeners[0].rules");
        assertThatThrownBy(() -> WITH_X.readConfig("listeners: [{name: in, spec: {protocol: X}, rules: null}]", true))
                .hasMessageStartingWith("listeners[0].rules: missing in listener \"in\"");
        // [] (rules to be added to its generated RuleList later) and a RuleList name still load, as in l7mp.
        WITH_X.readConfig("listeners: [{name: a, spec: {protocol: X}, rules: []}, {name: b, spec: {protocol: X}, "
                + "rules: a-RuleList-1}]", true);
    }
}
