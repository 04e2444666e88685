package io.l7mp.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code type} op: JSON kinds and the string formats of {@link Formats}. */
class TypeOpTest {

    private static final ObjectNode META = Json.richMetadata();

    static {
        META.put("date", "2010-10-10");
        META.put("dateTime", "2010-10-10T10:10:10Z");
        META.put("time", "10:10:10+05:30");
        META.put("lang", "en-US");
        META.put("langRange", "de-*");
        META.put("iri", "https://github.com/l7mp/l7mp#readme");
        META.put("relativeIri", "../admin/x?y=1");
    }

    private static boolean type(final String path, final String type) {
        return Json.compile("{op:'type', path:'" + path + "', value:'" + type + "'}").test(META);
    }

    /** Each row: path, then the only kinds (of the JSON-kind types) that path has. */
    @ParameterizedTest
    @CsvSource({
        "/UDP/src_port, number",
        "/ratio, number",
        "/IP/src_addr, string",
        "/secure, boolean",
        "/IP, object",
        "/tags, array",
        "/empty, array",
        "/nothing, null",
        "/nope, undefined",
        "/IP/nope/deeper, undefined",
    })
    void jsonKindsAreExclusive(final String path, final String kind) {
        for (final String candidate : new String[] {"number", "string", "boolean", "object", "array", "null",
            "undefined"}) {
            assertThat(type(path, candidate)).as("%s is %s", path, candidate).isEqualTo(candidate.equals(kind));
        }
    }

    @Test
    void formatsMatchTheirOwnExamples() {
        assertThat(type("/date", "date")).isTrue();
        assertThat(type("/dateTime", "date-time")).isTrue();
        assertThat(type("/time", "time")).isTrue();
        assertThat(type("/lang", "lang")).isTrue();
        assertThat(type("/langRange", "lang-range")).isTrue();
        assertThat(type("/iri", "iri")).isTrue();
        assertThat(type("/iri", "absolute-iri")).isTrue();
        assertThat(type("/relativeIri", "iri")).isTrue();
        assertThat(type("/relativeIri", "absolute-iri")).isFalse();
    }

    @Test
    void formatsAreDistinct() {
        assertThat(type("/dateTime", "date")).isFalse();
        assertThat(type("/date", "date-time")).isFalse();
        assertThat(type("/dateTime", "time")).isFalse();
        assertThat(type("/time", "date-time")).isFalse();
        assertThat(type("/date", "lang")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"date", "date-time", "time", "lang", "lang-range", "iri", "absolute-iri"})
    void formatsNeedAStringTarget(final String format) {
        assertThat(type("/UDP/src_port", format)).isFalse();
        assertThat(type("/IP", format)).isFalse();
        assertThat(type("/tags", format)).isFalse();
        assertThat(type("/nothing", format)).isFalse();
        assertThat(type("/nope", format)).isFalse();
    }

    @Test
    void stringIsAStringWhateverItsFormat() {
        assertThat(type("/date", "string")).isTrue();
        assertThat(type("/iri", "string")).isTrue();
    }
}
