package io.l7mp.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Second-order ops and {@code path} re-rooting. */
class MatchCompilerCompoundTest {

    private static final ObjectNode META = Json.richMetadata();

    private static final String T = "{op:'defined', path:'/IP'}";
    private static final String F = "{op:'defined', path:'/nope'}";

    private static boolean eval(final String predicate) {
        return Json.compile(predicate).test(META);
    }

    private static String op(final String op, final String... operands) {
        return "{op:'" + op + "', apply:[" + String.join(",", operands) + "]}";
    }

    @Test
    void andTruthTable() {
        assertThat(eval(op("and", T, T))).isTrue();
        assertThat(eval(op("and", T, F))).isFalse();
        assertThat(eval(op("and", F, T))).isFalse();
        assertThat(eval(op("and", F, F))).isFalse();
        assertThat(eval(op("and", T, T, T))).isTrue();
        assertThat(eval(op("and", T))).isTrue();
        assertThat(eval(op("and", F))).isFalse();
    }

    @Test
    void orTruthTable() {
        assertThat(eval(op("or", T, T))).isTrue();
        assertThat(eval(op("or", T, F))).isTrue();
        assertThat(eval(op("or", F, T))).isTrue();
        assertThat(eval(op("or", F, F))).isFalse();
        assertThat(eval(op("or", F, F, T))).isTrue();
        assertThat(eval(op("or", F))).isFalse();
    }

    @Test
    void notIsTrueWhenNoOperandIs() {
        assertThat(eval(op("not", T))).isFalse();
        assertThat(eval(op("not", F))).isTrue();
        assertThat(eval(op("not", F, F))).isTrue();
        assertThat(eval(op("not", F, T))).isFalse();
        assertThat(eval(op("not", T, T))).isFalse();
    }

    @Test
    void emptyApplyListsAreTrueLikeJsonPredicate() {
        assertThat(eval(op("and"))).isTrue();
        assertThat(eval(op("or"))).isTrue();
        assertThat(eval(op("not"))).isTrue();
    }

    @Test
    void l7mpStyleRule() {
        final String rule = "{op:'and', apply:["
                + "{op:'test', path:'/IP/src_addr', value:'127.0.0.1'},"
                + "{op:'or', apply:["
                + "  {op:'starts', path:'/HTTP/url/path', value:'/admin'},"
                + "  {op:'in', path:'/UDP/dst_port', value:[53, 5353]}]},"
                + "{op:'not', apply:[{op:'test', path:'/HTTP/headers/host', value:'evil'}]}]}";
        assertThat(eval(rule)).isTrue();

        final ObjectNode other = Json.metadata();
        other.withObjectProperty("HTTP").withObjectProperty("headers").put("host", "EVIL");
        assertThat(Json.compile(rule).test(other)).isTrue();
        other.withObjectProperty("HTTP").withObjectProperty("headers").put("host", "evil");
        assertThat(Json.compile(rule).test(other)).isFalse();
        other.withObjectProperty("HTTP").withObjectProperty("headers").put("host", "a");
        other.withObjectProperty("HTTP").withObjectProperty("url").put("path", "/public");
        assertThat(Json.compile(rule).test(other)).isFalse();
        other.withObjectProperty("UDP").put("dst_port", 5353);
        assertThat(Json.compile(rule).test(other)).isTrue();
    }

    @Test
    void pathReRootsOperands() {
        assertThat(eval("{op:'and', path:'/IP', apply:["
                + "{op:'test', path:'/src_addr', value:'127.0.0.1'},"
                + "{op:'test', path:'dst_addr', value:'0.0.0.0'}]}")).isTrue();
        assertThat(eval("{op:'and', path:'/IP', apply:[{op:'defined', path:'/IP/src_addr'}]}")).isFalse();
        assertThat(eval("{op:'or', path:'/HTTP/url', apply:[{op:'ends', path:'/path', value:'/x'}]}")).isTrue();
        assertThat(eval("{op:'not', path:'/UDP', apply:[{op:'more', path:'/src_port', value:20000}]}")).isTrue();
        assertThat(eval("{op:'not', path:'/UDP', apply:[{op:'more', path:'/src_port', value:10000}]}")).isFalse();
    }

    @Test
    void reRootingNests() {
        assertThat(eval("{op:'and', path:'/HTTP', apply:["
                + "{op:'or', path:'/headers', apply:[{op:'test', path:'/host', value:'a'}]},"
                + "{op:'and', path:'url', apply:[{op:'starts', path:'path', value:'/admin'}]}]}")).isTrue();
        assertThat(eval("{op:'and', path:'/HTTP', apply:["
                + "{op:'or', path:'/headers', apply:[{op:'test', path:'/HTTP/headers/host', value:'a'}]}]}"))
                .isFalse();
    }

    @Test
    void operandWithoutPathTestsTheReRootedNodeItself() {
        assertThat(eval("{op:'and', path:'/HTTP/url/path', apply:["
                + "{op:'type', value:'string'}, {op:'contains', value:'admin'}, {op:'test', path:'/', value:'/admin/x'}"
                + "]}")).isTrue();
        assertThat(eval("{op:'and', path:'/UDP/src_port', apply:[{op:'type', value:'string'}]}")).isFalse();
    }

    @Test
    void reRootingToArraysAndIndexes() {
        assertThat(eval("{op:'and', path:'/tags', apply:[{op:'test', path:'/1', value:'B'},"
                + "{op:'test', path:'/2/k/v', value:1}]}")).isTrue();
    }

    @Test
    void missingReRootPathMakesEverythingMissing() {
        assertThat(eval("{op:'and', path:'/nope', apply:[{op:'undefined', path:'/x'}]}")).isTrue();
        assertThat(eval("{op:'and', path:'/nope', apply:[{op:'undefined'}]}")).isTrue();
        assertThat(eval("{op:'and', path:'/nope', apply:[{op:'defined', path:'/'}]}")).isFalse();
        assertThat(eval("{op:'or', path:'/nope', apply:[{op:'test', path:'/x', value:null}]}")).isFalse();
        assertThat(eval("{op:'not', path:'/nope', apply:[{op:'defined', path:'/IP'}]}")).isTrue();
    }

    @Test
    void rootPathOnCompoundIsNoReRooting() {
        assertThat(eval("{op:'and', path:'/', apply:[" + T + "]}")).isTrue();
        assertThat(eval("{op:'and', path:'', apply:[" + T + "]}")).isTrue();
        assertThat(eval("{op:'and', path:null, apply:[" + T + "]}")).isTrue();
    }

    @Test
    void compiledMatcherIsReusableAcrossMetadata() {
        final Matcher m = Json.compile("{op:'or', apply:[{op:'test', path:'/labels/session_id', value:'abc'},"
                + "{op:'test', path:'/labels/session_id', value:'def'}]}");
        final ObjectNode meta = Json.metadata();
        assertThat(m.test(meta)).isTrue();
        meta.withObjectProperty("labels").put("session_id", "def");
        assertThat(m.test(meta)).isTrue();
        meta.withObjectProperty("labels").put("session_id", "ghi");
        assertThat(m.test(meta)).isFalse();
        meta.remove("labels");
        assertThat(m.test(meta)).isFalse();
    }

    @Test
    void shortCircuitsLeftToRight() {
        final String boom = "{op:'test', path:'/IP/src_addr', value:'unused'}";
        assertThat(eval(op("and", F, boom))).isFalse();
        assertThat(eval(op("or", T, boom))).isTrue();
    }
}
