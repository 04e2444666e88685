package io.l7mp.internal.rules;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invalid predicates fail at compile time with messages naming the field, the value and the expectation. */
class MatchCompilerErrorsTest {

    private static final String OPS = "[and, contained, contains, defined, ends, in, intersects, less, matches, more,"
            + " not, or, starts, test, type, undefined]";

    private static void assertError(final String predicate, final String message) {
        assertThatThrownBy(() -> Json.compile(predicate))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void missingOp() {
        assertError("{path:'/a', value:1}", "op: missing (expected: one of " + OPS + ")");
        assertError("{}", "op: missing (expected: one of " + OPS + ")");
    }

    @Test
    void unknownOrNonStringOp() {
        assertError("{op:'foo', path:'/a'}", "op: \"foo\" (expected: one of " + OPS + ")");
        assertError("{op:'Test', path:'/a', value:1}", "op: \"Test\" (expected: one of " + OPS + ")");
        assertError("{op:3}", "op: 3 (expected: one of " + OPS + ")");
        assertError("{op:null}", "op: null (expected: one of " + OPS + ")");
    }

    @Test
    void opIsReportedBeforeOtherFields() {
        assertError("{op:'foo', path:3, ignore_case:'x'}", "op: \"foo\" (expected: one of " + OPS + ")");
    }

    @Test
    void nonObjectNonStringTopLevel() {
        assertError("3", "predicate: 3 (expected: a predicate object, or null or a string)");
        assertError("['*']", "predicate: [\"*\"] (expected: a predicate object, or null or a string)");
        assertError("true", "predicate: true (expected: a predicate object, or null or a string)");
    }

    @Test
    void matchesNeedsAStringRegex() {
        assertError("{op:'matches', path:'/a', value:3}", "value: 3 (expected: a string regex for op \"matches\")");
        assertError("{op:'matches', path:'/a'}", "value: missing (expected: a string regex for op \"matches\")");
    }

    @Test
    void matchesNeedsAValidRegex() {
        assertThatThrownBy(() -> Json.compile("{op:'matches', path:'/a', value:'(unclosed'}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("value: \"(unclosed\" (expected: a valid regex for op \"matches\": ")
                .hasMessageContaining("Unclosed group");
    }

    @ParameterizedTest
    @ValueSource(strings = {"contains", "starts", "ends"})
    void stringOpsNeedAString(final String op) {
        assertError("{op:'" + op + "', path:'/a', value:1}", "value: 1 (expected: a string for op \"" + op + "\")");
        assertError("{op:'" + op + "', path:'/a', value:['x']}",
                "value: [\"x\"] (expected: a string for op \"" + op + "\")");
        assertError("{op:'" + op + "', path:'/a'}", "value: missing (expected: a string for op \"" + op + "\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"less", "more"})
    void numericOpsNeedANumber(final String op) {
        assertError("{op:'" + op + "', path:'/a', value:'5'}", "value: \"5\" (expected: a number for op \"" + op
                + "\")");
        assertError("{op:'" + op + "', path:'/a', value:null}", "value: null (expected: a number for op \"" + op
                + "\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"in", "intersects"})
    void arrayOpsNeedAnArray(final String op) {
        assertError("{op:'" + op + "', path:'/a', value:'abc'}",
                "value: \"abc\" (expected: an array for op \"" + op + "\")");
        assertError("{op:'" + op + "', path:'/a', value:{a:1}}",
                "value: {\"a\":1} (expected: an array for op \"" + op + "\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"test", "contained"})
    void anyValueOpsNeedAValue(final String op) {
        assertError("{op:'" + op + "', path:'/a'}", "value: missing (expected: a JSON value for op \"" + op + "\")");
        assertThatCode(() -> Json.compile("{op:'" + op + "', path:'/a', value:null}")).doesNotThrowAnyException();
    }

    @Test
    void typeNeedsAKnownTypeName() {
        final String types = "[absolute-iri, array, boolean, date, date-time, iri, lang, lang-range, null, number,"
                + " object, string, time, undefined]";
        assertError("{op:'type', path:'/a', value:'integer'}",
                "value: \"integer\" (expected: one of " + types + " for op \"type\")");
        assertError("{op:'type', path:'/a', value:1}", "value: 1 (expected: one of " + types + " for op \"type\")");
        assertError("{op:'type', path:'/a'}", "value: missing (expected: one of " + types + " for op \"type\")");
    }

    @Test
    void pathMustBeAString() {
        assertError("{op:'defined', path:3}", "path: 3 (expected: a string path like \"/HTTP/url/path\")");
        assertError("{op:'and', path:['a'], apply:[]}",
                "path: [\"a\"] (expected: a string path like \"/HTTP/url/path\")");
    }

    @Test
    void ignoreCaseMustBeABoolean() {
        assertError("{op:'test', path:'/a', value:'x', ignore_case:'yes'}",
                "ignore_case: \"yes\" (expected: a boolean)");
        assertError("{op:'test', path:'/a', value:'x', ignore_case:1}", "ignore_case: 1 (expected: a boolean)");
    }

    @Test
    void compoundOpsNeedAnApplyArray() {
        assertError("{op:'and'}", "apply: missing (expected: an array of predicates for op \"and\")");
        assertError("{op:'or', apply:{op:'defined', path:'/a'}}",
                "apply: {\"op\":\"defined\",\"path\":\"/a\"} (expected: an array of predicates for op \"or\")");
        assertError("{op:'not', apply:null}", "apply: null (expected: an array of predicates for op \"not\")");
    }

    @Test
    void applyElementsMustBePredicateObjects() {
        assertError("{op:'and', apply:[{op:'defined', path:'/a'}, '*']}",
                "apply[1]: \"*\" (expected: a predicate object)");
        assertError("{op:'and', apply:[null]}", "apply[0]: null (expected: a predicate object)");
    }

    @Test
    void nestedErrorsArePrefixedWithTheirLocation() {
        assertError("{op:'and', apply:[{op:'defined', path:'/a'}, {op:'bogus'}]}",
                "apply[1].op: \"bogus\" (expected: one of " + OPS + ")");
        assertError("{op:'or', apply:[{op:'not', apply:[{op:'matches', path:'/a', value:3}]}]}",
                "apply[0].apply[0].value: 3 (expected: a string regex for op \"matches\")");
    }

    @Test
    void longValuesAreAbbreviated() {
        final String big = "x".repeat(200);
        assertThatThrownBy(() -> Json.compile("{op:'less', path:'/a', value:'" + big + "'}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value: \"" + "x".repeat(76) + "... (expected: a number for op \"less\")");
    }

    @Test
    void unknownExtraFieldsAreIgnored() {
        assertThatCode(() -> Json.compile("{op:'defined', path:'/a', comment:'why not'}")).doesNotThrowAnyException();
    }
}
