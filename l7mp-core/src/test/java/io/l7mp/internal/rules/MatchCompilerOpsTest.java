package io.l7mp.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** First-order ops against l7mp-shaped metadata; each op has true, false and missing-path cases. */
class MatchCompilerOpsTest {

    private static final ObjectNode META = Json.richMetadata();

    private static boolean eval(final String predicate) {
        return Json.compile(predicate).test(META);
    }

    private static boolean eval(final String predicate, final JsonNode metadata) {
        return Json.compile(predicate).test(metadata);
    }

    @Nested
    class MatchAll {

        @Test
        void javaNullJsonNullMissingAndStringsMatchEverything() {
            assertThat(MatchCompiler.compile(null)).isSameAs(Matcher.ALL);
            assertThat(MatchCompiler.compile(Json.parse("null"))).isSameAs(Matcher.ALL);
            assertThat(MatchCompiler.compile(META.path("no-such-field"))).isSameAs(Matcher.ALL);
            assertThat(MatchCompiler.compile(Json.parse("'*'"))).isSameAs(Matcher.ALL);
            assertThat(MatchCompiler.compile(Json.parse("''"))).isSameAs(Matcher.ALL);
            assertThat(MatchCompiler.compile(Json.parse("'anything at all'"))).isSameAs(Matcher.ALL);
        }

        @Test
        void allAcceptsAnyMetadataIncludingNull() {
            assertThat(Matcher.ALL.test(META)).isTrue();
            assertThat(Matcher.ALL.test(null)).isTrue();
        }
    }

    @Nested
    class TestOp {

        @Test
        void stringEquality() {
            assertThat(eval("{op:'test', path:'/IP/src_addr', value:'127.0.0.1'}")).isTrue();
            assertThat(eval("{op:'test', path:'/IP/src_addr', value:'127.0.0.2'}")).isFalse();
            assertThat(eval("{op:'test', path:'/IP/src_addr', value:'127.0.0.1 '}")).isFalse();
        }

        @Test
        void caseSensitiveByDefault() {
            assertThat(eval("{op:'test', path:'/labels/session_id', value:'ABC'}")).isFalse();
            assertThat(eval("{op:'test', path:'/labels/session_id', value:'ABC', ignore_case:false}")).isFalse();
        }

        @Test
        void ignoreCase() {
            assertThat(eval("{op:'test', path:'/labels/session_id', value:'aBC', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'test', path:'/labels/session_id', value:'aBD', ignore_case:true}")).isFalse();
        }

        @Test
        void ignoreCaseAppliesInsideObjectsAndArraysButNotToKeys() {
            assertThat(eval("{op:'test', path:'/HTTP/headers', value:{host:'A'}, ignore_case:true}")).isTrue();
            assertThat(eval("{op:'test', path:'/HTTP/headers', value:{HOST:'a'}, ignore_case:true}")).isFalse();
            assertThat(eval("{op:'test', path:'/tags/0', value:'A', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'test', path:'/tags', value:['A','b',{k:{v:1}},3,null], ignore_case:true}"))
                    .isTrue();
        }

        @Test
        void ignoreCaseDoesNotMakeNumbersEqualStrings() {
            assertThat(eval("{op:'test', path:'/UDP/src_port', value:'15001', ignore_case:true}")).isFalse();
        }

        @Test
        void numbersCompareByValue() {
            assertThat(eval("{op:'test', path:'/UDP/src_port', value:15001}")).isTrue();
            assertThat(eval("{op:'test', path:'/UDP/src_port', value:15001.0}")).isTrue();
            assertThat(eval("{op:'test', path:'/UDP/src_port', value:15001.5}")).isFalse();
            assertThat(eval("{op:'test', path:'/UDP/src_port', value:15000}")).isFalse();
            assertThat(eval("{op:'test', path:'/ratio', value:0.5}")).isTrue();
            assertThat(eval("{op:'test', path:'/ratio', value:5e-1}")).isTrue();
        }

        @Test
        void numbersCompareAcrossJacksonNodeTypes() {
            final JsonNodeFactory f = JsonNodeFactory.instance;
            final ObjectNode m = f.objectNode();
            m.put("long", 1L);
            m.put("short", (short) 1);
            m.put("big", BigInteger.ONE);
            m.put("decimal", new BigDecimal("1.00"));
            m.put("float", 1.0f);
            for (final String field : new String[] {"long", "short", "big", "decimal", "float"}) {
                assertThat(eval("{op:'test', path:'/" + field + "', value:1}", m)).as(field).isTrue();
                assertThat(eval("{op:'test', path:'/" + field + "', value:1.0}", m)).as(field).isTrue();
                assertThat(eval("{op:'test', path:'/" + field + "', value:2}", m)).as(field).isFalse();
            }
        }

        @Test
        void largeLongsCompareExactly() {
            final ObjectNode m = JsonNodeFactory.instance.objectNode().put("id", 9007199254740993L);
            assertThat(eval("{op:'test', path:'/id', value:9007199254740993}", m)).isTrue();
            assertThat(eval("{op:'test', path:'/id', value:9007199254740992}", m)).isFalse();
        }

        @Test
        void numbersInsideObjectsCompareByValue() {
            assertThat(eval("{op:'test', path:'/UDP', value:{dst_port:15000.0, src_port:15001}}")).isTrue();
        }

        @Test
        void typesMustAgree() {
            assertThat(eval("{op:'test', path:'/UDP/src_port', value:'15001'}")).isFalse();
            assertThat(eval("{op:'test', path:'/secure', value:'true'}")).isFalse();
            assertThat(eval("{op:'test', path:'/secure', value:1}")).isFalse();
            assertThat(eval("{op:'test', path:'/nothing', value:false}")).isFalse();
            assertThat(eval("{op:'test', path:'/tags/0', value:['a']}")).isFalse();
        }

        @Test
        void booleansAndNull() {
            assertThat(eval("{op:'test', path:'/secure', value:true}")).isTrue();
            assertThat(eval("{op:'test', path:'/secure', value:false}")).isFalse();
            assertThat(eval("{op:'test', path:'/nothing', value:null}")).isTrue();
            assertThat(eval("{op:'test', path:'/secure', value:null}")).isFalse();
        }

        @Test
        void deepObjectEqualityIsExact() {
            assertThat(eval("{op:'test', path:'/IP', value:{dst_addr:'0.0.0.0', src_addr:'127.0.0.1'}}")).isTrue();
            assertThat(eval("{op:'test', path:'/IP', value:{src_addr:'127.0.0.1'}}")).isFalse();
            assertThat(eval("{op:'test', path:'/IP', value:{src_addr:'127.0.0.1',dst_addr:'0.0.0.0',x:1}}"))
                    .isFalse();
            assertThat(eval("{op:'test', path:'/HTTP', value:{url:{path:'/admin/x'},headers:{host:'a'}}}"))
                    .isTrue();
            assertThat(eval("{op:'test', path:'/HTTP', value:{url:{path:'/admin/y'},headers:{host:'a'}}}"))
                    .isFalse();
        }

        @Test
        void arrayEqualityIsOrderedAndExact() {
            assertThat(eval("{op:'test', path:'/tags', value:['a','B',{k:{v:1}},3,null]}")).isTrue();
            assertThat(eval("{op:'test', path:'/tags', value:['B','a',{k:{v:1}},3,null]}")).isFalse();
            assertThat(eval("{op:'test', path:'/tags', value:['a','B',{k:{v:1}},3]}")).isFalse();
            assertThat(eval("{op:'test', path:'/empty', value:[]}")).isTrue();
        }

        @Test
        void missingPathIsFalseEvenForNull() {
            assertThat(eval("{op:'test', path:'/IP/nope', value:'x'}")).isFalse();
            assertThat(eval("{op:'test', path:'/nope/deeper', value:null}")).isFalse();
        }

        @Test
        void wholeMetadataViaRootPathOrNoPath() {
            final ObjectNode small = Json.object("{a:1}");
            assertThat(eval("{op:'test', path:'/', value:{a:1}}", small)).isTrue();
            assertThat(eval("{op:'test', value:{a:1.0}}", small)).isTrue();
        }

        @Test
        void nullMetadataIsMissing() {
            assertThat(Json.compile("{op:'test', path:'/a', value:1}").test(null)).isFalse();
        }
    }

    @Nested
    class StringOps {

        @Test
        void contains() {
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'admin'}")).isTrue();
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'/admin/x'}")).isTrue();
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:''}")).isTrue();
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'Admin'}")).isFalse();
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'/admin/xy'}")).isFalse();
        }

        @Test
        void containsIgnoreCase() {
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'ADMIN', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'MIN/X', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'contains', path:'/HTTP/url/path', value:'ADMINS', ignore_case:true}")).isFalse();
        }

        @Test
        void starts() {
            assertThat(eval("{op:'starts', path:'/HTTP/url/path', value:'/admin'}")).isTrue();
            assertThat(eval("{op:'starts', path:'/HTTP/url/path', value:'admin'}")).isFalse();
            assertThat(eval("{op:'starts', path:'/HTTP/url/path', value:'/ADMIN'}")).isFalse();
            assertThat(eval("{op:'starts', path:'/HTTP/url/path', value:'/ADMIN', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'starts', path:'/HTTP/url/path', value:'/admin/x/y'}")).isFalse();
        }

        @Test
        void ends() {
            assertThat(eval("{op:'ends', path:'/HTTP/url/path', value:'/x'}")).isTrue();
            assertThat(eval("{op:'ends', path:'/HTTP/url/path', value:'/admin'}")).isFalse();
            assertThat(eval("{op:'ends', path:'/HTTP/url/path', value:'N/X'}")).isFalse();
            assertThat(eval("{op:'ends', path:'/HTTP/url/path', value:'N/X', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'ends', path:'/HTTP/url/path', value:'x/admin/x'}")).isFalse();
        }

        @Test
        void endsChecksTheRealSuffixNotTheFirstOccurrence() {
            final ObjectNode m = Json.object("{s:'abab'}");
            assertThat(eval("{op:'ends', path:'/s', value:'ab'}", m)).isTrue();
        }

        @Test
        void nonStringTargetsAreFalse() {
            for (final String op : new String[] {"contains", "starts", "ends"}) {
                assertThat(eval("{op:'" + op + "', path:'/UDP/src_port', value:'1'}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/tags', value:'a'}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/IP', value:''}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/nothing', value:''}")).as(op).isFalse();
            }
        }

        @Test
        void missingPathIsFalse() {
            for (final String op : new String[] {"contains", "starts", "ends"}) {
                assertThat(eval("{op:'" + op + "', path:'/HTTP/nope', value:''}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/HTTP/nope', value:'', ignore_case:true}")).as(op)
                        .isFalse();
            }
        }
    }

    @Nested
    class MatchesOp {

        @Test
        void searchesLikeJavaScriptRegExpTest() {
            assertThat(eval("{op:'matches', path:'/HTTP/url/path', value:'adm'}")).isTrue();
            assertThat(eval("{op:'matches', path:'/HTTP/url/path', value:'^/admin/[a-z]$'}")).isTrue();
            assertThat(eval("{op:'matches', path:'/IP/src_addr', value:'^127\\\\.'}")).isTrue();
            assertThat(eval("{op:'matches', path:'/IP/dst_addr', value:'^127\\\\.'}")).isFalse();
        }

        @Test
        void ignoreCase() {
            assertThat(eval("{op:'matches', path:'/HTTP/url/path', value:'^/ADMIN'}")).isFalse();
            assertThat(eval("{op:'matches', path:'/HTTP/url/path', value:'^/ADMIN', ignore_case:true}")).isTrue();
        }

        @Test
        void ignoreCaseFoldsNonAscii() {
            final ObjectNode m = Json.object("{s:'ÁRVÍZTŰRŐ'}");
            assertThat(eval("{op:'matches', path:'/s', value:'árvíztűrő', ignore_case:true}", m)).isTrue();
        }

        @Test
        void nonStringOrMissingTargetsAreFalse() {
            assertThat(eval("{op:'matches', path:'/UDP/src_port', value:'.*'}")).isFalse();
            assertThat(eval("{op:'matches', path:'/IP', value:'.*'}")).isFalse();
            assertThat(eval("{op:'matches', path:'/tags', value:'.*'}")).isFalse();
            assertThat(eval("{op:'matches', path:'/nothing', value:'.*'}")).isFalse();
            assertThat(eval("{op:'matches', path:'/nope', value:'.*'}")).isFalse();
        }
    }

    @Nested
    class NumericOps {

        @Test
        void less() {
            assertThat(eval("{op:'less', path:'/UDP/src_port', value:15002}")).isTrue();
            assertThat(eval("{op:'less', path:'/UDP/src_port', value:15001.5}")).isTrue();
            assertThat(eval("{op:'less', path:'/UDP/src_port', value:15001}")).isFalse();
            assertThat(eval("{op:'less', path:'/UDP/src_port', value:15000}")).isFalse();
            assertThat(eval("{op:'less', path:'/ratio', value:1}")).isTrue();
            assertThat(eval("{op:'less', path:'/ratio', value:-1}")).isFalse();
        }

        @Test
        void more() {
            assertThat(eval("{op:'more', path:'/UDP/src_port', value:15000}")).isTrue();
            assertThat(eval("{op:'more', path:'/UDP/src_port', value:15000.99}")).isTrue();
            assertThat(eval("{op:'more', path:'/UDP/src_port', value:15001}")).isFalse();
            assertThat(eval("{op:'more', path:'/UDP/src_port', value:15001.0}")).isFalse();
            assertThat(eval("{op:'more', path:'/ratio', value:0.25}")).isTrue();
            assertThat(eval("{op:'more', path:'/ratio', value:0.5}")).isFalse();
        }

        @Test
        void largeLongsCompareExactly() {
            final ObjectNode m = JsonNodeFactory.instance.objectNode().put("id", 9007199254740993L);
            assertThat(eval("{op:'more', path:'/id', value:9007199254740992}", m)).isTrue();
            assertThat(eval("{op:'less', path:'/id', value:9007199254740994}", m)).isTrue();
        }

        @Test
        void nonNumbersAndMissingAreFalse() {
            for (final String op : new String[] {"less", "more"}) {
                assertThat(eval("{op:'" + op + "', path:'/IP/src_addr', value:0}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/secure', value:0}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/nothing', value:0}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/tags', value:0}")).as(op).isFalse();
                assertThat(eval("{op:'" + op + "', path:'/UDP/nope', value:0}")).as(op).isFalse();
            }
        }

        @Test
        void stringsThatLookNumericAreNotNumbers() {
            final ObjectNode m = Json.object("{port:'15001'}");
            assertThat(eval("{op:'more', path:'/port', value:1}", m)).isFalse();
        }
    }

    @Nested
    class MembershipOps {

        @Test
        void inIsTargetAmongValues() {
            assertThat(eval("{op:'in', path:'/IP/src_addr', value:['10.0.0.1','127.0.0.1']}")).isTrue();
            assertThat(eval("{op:'in', path:'/IP/src_addr', value:['10.0.0.1','127.0.0.2']}")).isFalse();
            assertThat(eval("{op:'in', path:'/IP/src_addr', value:[]}")).isFalse();
        }

        @Test
        void inUsesDeepNumericEquality() {
            assertThat(eval("{op:'in', path:'/UDP/src_port', value:['15001', 15001.0]}")).isTrue();
            assertThat(eval("{op:'in', path:'/UDP/src_port', value:['15001']}")).isFalse();
            assertThat(eval("{op:'in', path:'/UDP', value:[1, {src_port:15001, dst_port:15000}]}")).isTrue();
            assertThat(eval("{op:'in', path:'/nothing', value:[1, null]}")).isTrue();
        }

        @Test
        void inIgnoreCase() {
            assertThat(eval("{op:'in', path:'/labels/session_id', value:['x','ABC']}")).isFalse();
            assertThat(eval("{op:'in', path:'/labels/session_id', value:['x','ABC'], ignore_case:true}")).isTrue();
        }

        @Test
        void inWholeArrayTarget() {
            assertThat(eval("{op:'in', path:'/empty', value:[[], 'a']}")).isTrue();
            assertThat(eval("{op:'in', path:'/tags', value:['a','B']}")).isFalse();
        }

        @Test
        void inMissingIsFalse() {
            assertThat(eval("{op:'in', path:'/nope/nope', value:['does not matter', null]}")).isFalse();
        }

        @Test
        void containedIsValueAmongTargetArray() {
            assertThat(eval("{op:'contained', path:'/tags', value:'a'}")).isTrue();
            assertThat(eval("{op:'contained', path:'/tags', value:'A'}")).isFalse();
            assertThat(eval("{op:'contained', path:'/tags', value:'A', ignore_case:true}")).isTrue();
            assertThat(eval("{op:'contained', path:'/tags', value:3.0}")).isTrue();
            assertThat(eval("{op:'contained', path:'/tags', value:null}")).isTrue();
            assertThat(eval("{op:'contained', path:'/tags', value:{k:{v:1}}}")).isTrue();
            assertThat(eval("{op:'contained', path:'/tags', value:{k:{v:2}}}")).isFalse();
            assertThat(eval("{op:'contained', path:'/tags', value:['a']}")).isFalse();
            assertThat(eval("{op:'contained', path:'/empty', value:'a'}")).isFalse();
        }

        @Test
        void containedNeedsAnArrayTarget() {
            assertThat(eval("{op:'contained', path:'/IP/src_addr', value:'127.0.0.1'}")).isFalse();
            assertThat(eval("{op:'contained', path:'/IP', value:'127.0.0.1'}")).isFalse();
            assertThat(eval("{op:'contained', path:'/nope', value:'a'}")).isFalse();
        }

        @Test
        void intersectsIsAnyCommonMember() {
            assertThat(eval("{op:'intersects', path:'/tags', value:['zzz','a']}")).isTrue();
            assertThat(eval("{op:'intersects', path:'/tags', value:['zzz',3.0]}")).isTrue();
            assertThat(eval("{op:'intersects', path:'/tags', value:[{k:{v:1}}]}")).isTrue();
            assertThat(eval("{op:'intersects', path:'/tags', value:['zzz','b']}")).isFalse();
            assertThat(eval("{op:'intersects', path:'/tags', value:['zzz','b'], ignore_case:true}")).isTrue();
            assertThat(eval("{op:'intersects', path:'/tags', value:[]}")).isFalse();
            assertThat(eval("{op:'intersects', path:'/empty', value:['a']}")).isFalse();
        }

        @Test
        void intersectsNeedsAnArrayTarget() {
            assertThat(eval("{op:'intersects', path:'/IP/src_addr', value:['127.0.0.1']}")).isFalse();
            assertThat(eval("{op:'intersects', path:'/nope', value:['a']}")).isFalse();
        }
    }

    @Nested
    class Existence {

        @ParameterizedTest
        @ValueSource(strings = {"/IP", "/IP/src_addr", "IP/src_addr", "/nothing", "/tags/4", "/tags/2/k/v", "/",
            "/empty"})
        void definedPaths(final String path) {
            assertThat(eval("{op:'defined', path:'" + path + "'}")).isTrue();
            assertThat(eval("{op:'undefined', path:'" + path + "'}")).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"/nope", "/IP/nope", "/tags/5", "/tags/x", "/IP/src_addr/0", "/nothing/x",
            "/empty/0"})
        void undefinedPaths(final String path) {
            assertThat(eval("{op:'defined', path:'" + path + "'}")).isFalse();
            assertThat(eval("{op:'undefined', path:'" + path + "'}")).isTrue();
        }

        @Test
        void valueIsIgnored() {
            assertThat(eval("{op:'defined', path:'/IP', value:'whatever'}")).isTrue();
        }
    }
}
