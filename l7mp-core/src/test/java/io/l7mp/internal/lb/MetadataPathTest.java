package io.l7mp.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

class MetadataPathTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode metadata() throws Exception {
        return MAPPER.readTree("{\"IP\":{\"src_addr\":\"10.0.0.1\",\"src_port\":5000},"
                + "\"list\":[\"zero\",{\"name\":\"one\"}],\"7\":\"seven\",\"nil\":null,\"flag\":true}");
    }

    @Test
    void leadingAndRepeatedSlashesAreOptional() throws Exception {
        for (final String key : new String[] {"/IP/src_addr", "IP/src_addr", "//IP//src_addr/"}) {
            assertThat(MetadataPath.parse(key).text(metadata())).as(key).isEqualTo("10.0.0.1");
            assertThat(MetadataPath.parse(key)).hasToString("/IP/src_addr");
        }
    }

    @Test
    void scalarsAreTextAndContainersAreJson() throws Exception {
        assertThat(MetadataPath.parse("/IP/src_port").text(metadata())).isEqualTo("5000");
        assertThat(MetadataPath.parse("/flag").text(metadata())).isEqualTo("true");
        assertThat(MetadataPath.parse("/list/1").text(metadata())).isEqualTo("{\"name\":\"one\"}");
    }

    @Test
    void numericSegmentsIndexArraysAndNameObjectFields() throws Exception {
        assertThat(MetadataPath.parse("/list/0").text(metadata())).isEqualTo("zero");
        assertThat(MetadataPath.parse("/list/1/name").text(metadata())).isEqualTo("one");
        assertThat(MetadataPath.parse("/7").text(metadata())).isEqualTo("seven");
    }

    @Test
    void absentValuesResolveToNull() throws Exception {
        final JsonNode metadata = metadata();
        for (final String key : new String[] {"/nope", "/IP/nope", "/IP/src_addr/deeper", "/list/2", "/list/x",
            "/list/99999999999", "/nil"}) {
            assertThat(MetadataPath.parse(key).resolve(metadata)).as(key).isNull();
        }
        assertThat(MetadataPath.parse("/IP").resolve(null)).isNull();
    }

    @Test
    void keysWithoutSegmentsMeanNoKey() {
        assertThat(MetadataPath.parse(null)).isNull();
        assertThat(MetadataPath.parse("")).isNull();
        assertThat(MetadataPath.parse("///")).isNull();
    }
}
