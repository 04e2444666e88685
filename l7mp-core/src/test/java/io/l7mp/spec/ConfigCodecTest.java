package io.l7mp.spec;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.l7mp.ConfigException;
import org.junit.jupiter.api.Test;

/** What the codec refuses in a document before any of it becomes a spec: the REST API and config files share it. */
class ConfigCodecTest {
    private static final ConfigCodec CODEC = ConfigCodec.defaults();

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
                    .as(space).hasMessageStartingWith("rulelists[0].name: ").hasMessageEndingWith(
                            "(expected: a name without whitespace)");
        }
        CODEC.readConfig("{\"rulelists\": [{\"name\": \"a\\u200bb\"}, {\"name\": \"caf\u00e9\"}]}", false);
    }
}
