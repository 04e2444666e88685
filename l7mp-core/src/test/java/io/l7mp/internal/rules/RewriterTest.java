package io.l7mp.internal.rules;

import static io.l7mp.internal.rules.Json.metadata;
import static io.l7mp.internal.rules.Json.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class RewriterTest {

    private static void assertError(final String rewrite, final String message) {
        assertThatThrownBy(() -> Rewriter.compile(parse(rewrite)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void appliesEachRewrite() {
        final ObjectNode m = metadata();
        Rewriter.compile(parse("[{path:'/HTTP/headers/host', value:'b'}, {path:'labels/app', value:'web'},"
                + "{path:'/new/deep/field', value:{x:[1,2]}}]")).apply(m);
        assertThat(m.at("/HTTP/headers/host").textValue()).isEqualTo("b");
        assertThat(m.get("labels")).isEqualTo(parse("{session_id:'abc', app:'web'}"));
        assertThat(m.get("new")).isEqualTo(parse("{deep:{field:{x:[1,2]}}}"));
        assertThat(m.get("IP")).isEqualTo(metadata().get("IP"));
    }

    @Test
    void appliesInListOrder() {
        final ObjectNode m = metadata();
        Rewriter.compile(parse("[{path:'/labels', value:{a:1}}, {path:'/labels/b', value:2},"
                + "{path:'/labels/a', value:3}]")).apply(m);
        assertThat(m.get("labels")).isEqualTo(parse("{a:3, b:2}"));

        final ObjectNode n = metadata();
        Rewriter.compile(parse("[{path:'/labels/b', value:2}, {path:'/labels', value:{a:1}}]")).apply(n);
        assertThat(n.get("labels")).isEqualTo(parse("{a:1}"));
    }

    @Test
    void nullValueSetsJsonNull() {
        final ObjectNode m = metadata();
        Rewriter.compile(parse("[{path:'/labels/session_id', value:null}]")).apply(m);
        assertThat(m.at("/labels/session_id").isNull()).isTrue();
        assertThat(m.get("labels").has("session_id")).isTrue();
    }

    @Test
    void rootPathReplacesTheMetadata() {
        final ObjectNode m = metadata();
        Rewriter.compile(parse("[{path:'/', value:{fresh:true}}, {path:'/more', value:1}]")).apply(m);
        assertThat(m).isEqualTo(parse("{fresh:true, more:1}"));
    }

    @Test
    void eachApplicationGetsItsOwnCopy() {
        final Rewriter rewriter = Rewriter.compile(parse("[{path:'/obj', value:{n:1}}]"));
        final ObjectNode first = metadata();
        final ObjectNode second = metadata();
        rewriter.apply(first);
        rewriter.apply(second);
        ((ObjectNode) first.get("obj")).put("n", 2);
        assertThat(second.at("/obj/n").intValue()).isEqualTo(1);
        final ObjectNode third = metadata();
        rewriter.apply(third);
        assertThat(third.at("/obj/n").intValue()).isEqualTo(1);
    }

    @Test
    void configEditsAfterCompileDoNotLeakIn() {
        final JsonNode config = parse("[{path:'/obj', value:{n:1}}]");
        final Rewriter rewriter = Rewriter.compile(config);
        ((ObjectNode) config.get(0).get("value")).put("n", 99);
        final ObjectNode m = metadata();
        rewriter.apply(m);
        assertThat(m.at("/obj/n").intValue()).isEqualTo(1);
    }

    @Test
    void arraysInMetadata() {
        final ObjectNode m = Json.object("{list:[1,2]}");
        Rewriter.compile(parse("[{path:'/list/0', value:'a'}, {path:'/list/2', value:'c'}]")).apply(m);
        assertThat(m).isEqualTo(parse("{list:['a',2,'c']}"));
    }

    @Test
    void nonIndexSegmentOnAnArrayFailsAtApply() {
        final Rewriter rewriter = Rewriter.compile(parse("[{path:'/list/x', value:1}]"));
        assertThatThrownBy(() -> rewriter.apply(Json.object("{list:[]}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot set /list/x");
    }

    @Test
    void emptyListIsANoOp() {
        final Rewriter rewriter = Rewriter.compile(parse("[]"));
        final ObjectNode m = metadata();
        rewriter.apply(m);
        assertThat(m).isEqualTo(metadata());
        assertThat(rewriter.size()).isZero();
    }

    @Test
    void size() {
        assertThat(Rewriter.compile(parse("[{path:'/a', value:1}, {path:'/b', value:2}]")).size()).isEqualTo(2);
    }

    @Test
    void listMustBeAnArray() {
        assertError("{path:'/a', value:1}",
                "rewrite: {\"path\":\"/a\",\"value\":1} (expected: an array of {path, value} objects)");
        assertError("null", "rewrite: null (expected: an array of {path, value} objects)");
        assertThatThrownBy(() -> Rewriter.compile(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rewrite: missing (expected: an array of {path, value} objects)");
    }

    @Test
    void entriesMustBeObjects() {
        assertError("[{path:'/a', value:1}, 'x']",
                "rewrite[1]: \"x\" (expected: an object with a string \"path\" and a \"value\")");
    }

    @Test
    void pathIsRequiredAndMustBeAString() {
        assertError("[{path:'/a', value:1}, {value:2}]",
                "rewrite[1].path: missing (expected: a string path like \"/labels/x\")");
        assertError("[{path:3, value:2}]", "rewrite[0].path: 3 (expected: a string path like \"/labels/x\")");
        assertError("[{path:null, value:2}]", "rewrite[0].path: null (expected: a string path like \"/labels/x\")");
    }

    @Test
    void valueIsRequired() {
        assertError("[{path:'/a', value:1}, {path:'/b'}]",
                "rewrite[1].value: missing (expected: a JSON value (null is allowed))");
    }

    @Test
    void rootPathNeedsAnObjectValue() {
        assertError("[{path:'/', value:3}]",
                "rewrite[0].value: 3 (expected: an object, since path \"/\" replaces the whole metadata)");
        assertError("[{path:'', value:null}]",
                "rewrite[0].value: null (expected: an object, since path \"\" replaces the whole metadata)");
    }
}
