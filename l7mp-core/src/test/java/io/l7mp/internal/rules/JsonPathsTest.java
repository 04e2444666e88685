package io.l7mp.internal.rules;

import static io.l7mp.internal.rules.Json.metadata;
import static io.l7mp.internal.rules.Json.object;
import static io.l7mp.internal.rules.Json.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonPathsTest {

    @Nested
    class Parse {

        @ParameterizedTest
        @ValueSource(strings = {"/a/b/c", "a/b/c", "/a//b/c", "//a/b/c/", "a/b/c/"})
        void leadingSlashIsOptionalAndEmptySegmentsAreDropped(final String path) {
            assertThat(JsonPaths.parse(path)).containsExactly("a", "b", "c");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "/", "//", "///"})
        void rootForms(final String path) {
            assertThat(JsonPaths.parse(path)).isEmpty();
        }

        @Test
        void noTildeEscaping() {
            assertThat(JsonPaths.parse("/a~1b/c~0d")).containsExactly("a~1b", "c~0d");
        }

        @Test
        void keepsSpacesDotsAndNumbersVerbatim() {
            assertThat(JsonPaths.parse("/HTTP/headers/x-forwarded-for/ 0/1.5"))
                    .containsExactly("HTTP", "headers", "x-forwarded-for", " 0", "1.5");
        }

        @Test
        void resultIsImmutable() {
            final List<String> segments = JsonPaths.parse("/a");
            assertThatThrownBy(() -> segments.add("b")).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void rejectsNull() {
            assertThatThrownBy(() -> JsonPaths.parse(null)).isInstanceOf(NullPointerException.class);
        }
    }

    @Nested
    class Get {

        private final JsonNode doc = parse("{'a':{'b':[10,{'c':'x'},null]},'0':'zero','s':'str'}");

        @Test
        void nestedObjects() {
            assertThat(get(metadata(), "/HTTP/url/path").textValue()).isEqualTo("/admin/x");
            assertThat(get(metadata(), "UDP/src_port").intValue()).isEqualTo(15001);
        }

        @Test
        void rootReturnsTheDocument() {
            assertThat(get(doc, "/")).isSameAs(doc);
            assertThat(get(doc, "")).isSameAs(doc);
        }

        @Test
        void numericSegmentsIndexArrays() {
            assertThat(get(doc, "/a/b/0").intValue()).isEqualTo(10);
            assertThat(get(doc, "/a/b/1/c").textValue()).isEqualTo("x");
        }

        @Test
        void explicitNullIsPresentNotMissing() {
            assertThat((Object) get(doc, "/a/b/2")).isEqualTo(NullNode.getInstance());
        }

        @Test
        void numericSegmentsAreKeysOnObjects() {
            assertThat(get(doc, "/0").textValue()).isEqualTo("zero");
        }

        @ParameterizedTest
        @ValueSource(strings = {"/missing", "/a/missing", "/a/b/3", "/a/b/-1", "/a/b/01", "/a/b/x", "/s/length",
            "/s/0", "/a/b/0/deeper", "/a/b/99999999999"})
        void missingReturnsNull(final String path) {
            assertThat(get(doc, path)).isNull();
        }

        @Test
        void nullRootIsMissing() {
            assertThat(JsonPaths.get(null, List.of("a"))).isNull();
            assertThat(JsonPaths.get(null, List.of())).isNull();
        }

        private JsonNode get(final JsonNode root, final String path) {
            return JsonPaths.get(root, JsonPaths.parse(path));
        }
    }

    @Nested
    class Set {

        @Test
        void overwritesAnExistingLeaf() {
            final ObjectNode m = metadata();
            set(m, "/HTTP/headers/host", TextNode.valueOf("b"));
            assertThat(m.at("/HTTP/headers/host").textValue()).isEqualTo("b");
        }

        @Test
        void createsMissingIntermediates() {
            final ObjectNode m = object("{}");
            set(m, "a/b/c", IntNode.valueOf(1));
            assertThat(m).isEqualTo(parse("{'a':{'b':{'c':1}}}"));
        }

        @Test
        void replacesScalarAndNullIntermediatesWithObjects() {
            final ObjectNode m = object("{'a':'scalar','n':null}");
            set(m, "/a/b", IntNode.valueOf(1));
            set(m, "/n/b", IntNode.valueOf(2));
            assertThat(m).isEqualTo(parse("{'a':{'b':1},'n':{'b':2}}"));
        }

        @Test
        void keepsSiblings() {
            final ObjectNode m = metadata();
            set(m, "/labels/app", TextNode.valueOf("web"));
            assertThat(m.get("labels")).isEqualTo(parse("{'session_id':'abc','app':'web'}"));
            assertThat(m.get("IP")).isEqualTo(metadata().get("IP"));
        }

        @Test
        void storesADeepCopy() {
            final ObjectNode m = object("{}");
            final ObjectNode value = object("{'x':{'y':1}}");
            set(m, "/v", value);
            ((ObjectNode) value.get("x")).put("y", 2);
            assertThat(m.at("/v/x/y").intValue()).isEqualTo(1);
        }

        @Test
        void javaNullStoresJsonNull() {
            final ObjectNode m = object("{}");
            set(m, "/v", null);
            assertThat((Object) m.get("v")).isEqualTo(NullNode.getInstance());
        }

        @Test
        void setsAnExistingArrayIndex() {
            final ObjectNode m = object("{'a':[1,2,3]}");
            set(m, "/a/1", TextNode.valueOf("x"));
            assertThat(m).isEqualTo(parse("{'a':[1,'x',3]}"));
        }

        @Test
        void indexEqualToSizeAppends() {
            final ObjectNode m = object("{'a':[1]}");
            set(m, "/a/1", IntNode.valueOf(2));
            assertThat(m).isEqualTo(parse("{'a':[1,2]}"));
        }

        @Test
        void indexBeyondSizePadsWithNulls() {
            final ObjectNode m = object("{'a':[1]}");
            set(m, "/a/3", IntNode.valueOf(4));
            assertThat(m).isEqualTo(parse("{'a':[1,null,null,4]}"));
        }

        @Test
        void descendsThroughArrayElements() {
            final ObjectNode m = object("{'a':[{'b':1}]}");
            set(m, "/a/0/c", IntNode.valueOf(2));
            set(m, "/a/2/d", IntNode.valueOf(3));
            assertThat(m).isEqualTo(parse("{'a':[{'b':1,'c':2},null,{'d':3}]}"));
        }

        @Test
        void numericSegmentOnAnObjectIsAKey() {
            final ObjectNode m = object("{}");
            set(m, "/a/0", IntNode.valueOf(1));
            assertThat(m).isEqualTo(parse("{'a':{'0':1}}"));
        }

        @Test
        void nonIndexSegmentOnAnArrayIsRejected() {
            final ObjectNode m = object("{'a':[1]}");
            assertThatThrownBy(() -> set(m, "/a/x", IntNode.valueOf(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cannot set /a/x: \"x\" is not an array index but the parent is an array");
            assertThatThrownBy(() -> set(m, "/a/01/b", IntNode.valueOf(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot set /a/01");
            assertThat(m).isEqualTo(parse("{'a':[1]}"));
        }

        @Test
        void excessivePaddingIsRejected() {
            final ObjectNode m = object("{'a':[]}");
            final String path = "/a/" + (JsonPaths.MAX_ARRAY_PADDING + 1);
            assertThatThrownBy(() -> set(m, path, IntNode.valueOf(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("too far past the end of the array (size 0");
            set(m, "/a/" + JsonPaths.MAX_ARRAY_PADDING, IntNode.valueOf(1));
            assertThat(m.get("a").size()).isEqualTo(JsonPaths.MAX_ARRAY_PADDING + 1);
        }

        @Test
        void rootReplacesContentInPlace() {
            final ObjectNode m = metadata();
            set(m, "/", object("{'only':{'x':1}}"));
            assertThat(m).isEqualTo(parse("{'only':{'x':1}}"));
        }

        @Test
        void rootReplacementCopies() {
            final ObjectNode m = object("{'a':1}");
            final ObjectNode value = object("{'b':{'c':1}}");
            set(m, "", value);
            ((ObjectNode) value.get("b")).put("c", 2);
            assertThat(m).isEqualTo(parse("{'b':{'c':1}}"));
        }

        @Test
        void rootReplacementWithItselfKeepsContent() {
            final ObjectNode m = object("{'a':1}");
            set(m, "/", m);
            assertThat(m).isEqualTo(parse("{'a':1}"));
        }

        @Test
        void rootRequiresAnObject() {
            final ObjectNode m = object("{'a':1}");
            assertThatThrownBy(() -> set(m, "/", IntNode.valueOf(3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("cannot replace the root with 3: the root path \"/\" takes an object value only");
            assertThatThrownBy(() -> set(m, "/", null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> set(m, "/", parse("[1]"))).isInstanceOf(IllegalArgumentException.class);
            assertThat(m).isEqualTo(parse("{'a':1}"));
        }

        private void set(final ObjectNode root, final String path, final JsonNode value) {
            JsonPaths.set(root, JsonPaths.parse(path), value);
        }
    }
}
