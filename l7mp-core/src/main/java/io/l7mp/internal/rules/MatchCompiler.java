package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Compiles l7mp rule matches (JSON predicates, as in npm json-predicate 0.9.x) into {@link Matcher} trees. */
public final class MatchCompiler {

    /** Every op, sorted; listed in the error for a missing or unknown op. */
    static final List<String> OPS = List.of("and", "contained", "contains", "defined", "ends", "in", "intersects",
            "less", "matches", "more", "not", "or", "starts", "test", "type", "undefined");

    private MatchCompiler() {
    }

    /** Compiles once; null, JSON null, missing or a string give {@link Matcher#ALL}; throws IllegalArgumentException */
    public static Matcher compile(final JsonNode predicate) {
        if (predicate == null || predicate.isNull() || predicate.isMissingNode() || predicate.isTextual()) {
            return Matcher.ALL;
        }
        if (!predicate.isObject()) {
            throw ConfigErrors.invalid("", "predicate", predicate, "a predicate object, or null or a string");
        }
        return compileObject(predicate, "");
    }

    /** {@code where} prefixes field names in errors, e.g. "apply[1]." for a nested predicate. */
    private static Matcher compileObject(final JsonNode predicate, final String where) {
        final JsonNode opNode = predicate.get("op");
        // Checked before the other fields so that a typo in op is reported as such.
        if (opNode == null || !opNode.isTextual() || !OPS.contains(opNode.textValue())) {
            throw ConfigErrors.invalid(where, "op", opNode, "one of " + OPS);
        }
        final String op = opNode.textValue();
        final CompiledPath path = compilePath(predicate, where);
        final boolean ignoreCase = ignoreCase(predicate, where);
        switch (op) {
            case "and":
                return new Matchers.And(path, compileApply(predicate, where, op));
            case "or":
                return new Matchers.Or(path, compileApply(predicate, where, op));
            case "not":
                return new Matchers.Not(path, compileApply(predicate, where, op));
            case "defined":
                return new Matchers.Defined(path);
            case "undefined":
                return new Matchers.Undefined(path);
            case "test":
                return new Matchers.Test(path, Expected.of(anyValue(predicate, where, op), ignoreCase));
            case "contained":
                return new Matchers.Contained(path, Expected.of(anyValue(predicate, where, op), ignoreCase));
            case "in":
                return new Matchers.In(path, Expected.ofEach(arrayValue(predicate, where, op), ignoreCase));
            case "intersects":
                return new Matchers.Intersects(path, Expected.ofEach(arrayValue(predicate, where, op), ignoreCase));
            case "contains":
                return new Matchers.Contains(path, needle(predicate, where, op, ignoreCase), ignoreCase);
            case "starts":
                return new Matchers.Starts(path, needle(predicate, where, op, ignoreCase), ignoreCase);
            case "ends":
                return new Matchers.Ends(path, needle(predicate, where, op, ignoreCase), ignoreCase);
            case "matches":
                return new Matchers.Matches(path, pattern(predicate, where, ignoreCase));
            case "less":
                return new Matchers.Less(path, numberValue(predicate, where, op));
            case "more":
                return new Matchers.More(path, numberValue(predicate, where, op));
            case "type":
                return new Matchers.Type(path, typeValue(predicate, where));
            default:
                throw ConfigErrors.invalid(where, "op", opNode, "one of " + OPS);
        }
    }

    /** A missing path means the context node itself, as in the draft (json-predicate would reject it). */
    private static CompiledPath compilePath(final JsonNode predicate, final String where) {
        final JsonNode path = predicate.get("path");
        if (path == null || path.isNull()) {
            return CompiledPath.ROOT;
        }
        if (!path.isTextual()) {
            throw ConfigErrors.invalid(where, "path", path, "a string path like \"/HTTP/url/path\"");
        }
        return CompiledPath.of(path.textValue());
    }

    private static boolean ignoreCase(final JsonNode predicate, final String where) {
        final JsonNode flag = predicate.get("ignore_case");
        if (flag == null || flag.isNull()) {
            return false;
        }
        if (!flag.isBoolean()) {
            throw ConfigErrors.invalid(where, "ignore_case", flag, "a boolean");
        }
        return flag.booleanValue();
    }

    private static Matcher[] compileApply(final JsonNode predicate, final String where, final String op) {
        final JsonNode apply = predicate.get("apply");
        if (apply == null || !apply.isArray()) {
            throw ConfigErrors.invalid(where, "apply", apply, "an array of predicates for op \"" + op + "\"");
        }
        final Matcher[] operands = new Matcher[apply.size()];
        for (int i = 0; i < operands.length; i++) {
            final JsonNode operand = apply.get(i);
            final String field = "apply[" + i + "]";
            if (!operand.isObject()) {
                throw ConfigErrors.invalid(where, field, operand, "a predicate object");
            }
            operands[i] = compileObject(operand, where + field + ".");
        }
        return operands;
    }

    private static JsonNode anyValue(final JsonNode predicate, final String where, final String op) {
        final JsonNode value = predicate.get("value");
        if (value == null) {
            throw ConfigErrors.invalid(where, "value", null, "a JSON value for op \"" + op + "\"");
        }
        return value;
    }

    private static JsonNode arrayValue(final JsonNode predicate, final String where, final String op) {
        final JsonNode value = predicate.get("value");
        if (value == null || !value.isArray()) {
            throw ConfigErrors.invalid(where, "value", value, "an array for op \"" + op + "\"");
        }
        return value;
    }

    private static String needle(final JsonNode predicate, final String where, final String op,
            final boolean ignoreCase) {
        final JsonNode value = predicate.get("value");
        if (value == null || !value.isTextual()) {
            throw ConfigErrors.invalid(where, "value", value, "a string for op \"" + op + "\"");
        }
        return ignoreCase ? value.textValue().toLowerCase(Locale.ROOT) : value.textValue();
    }

    private static Pattern pattern(final JsonNode predicate, final String where, final boolean ignoreCase) {
        final JsonNode value = predicate.get("value");
        if (value == null || !value.isTextual()) {
            throw ConfigErrors.invalid(where, "value", value, "a string regex for op \"matches\"");
        }
        try {
            // UNICODE_CASE too, so non-ASCII letters fold like JavaScript's "i" flag and the other ops do.
            return Pattern.compile(value.textValue(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
        } catch (final PatternSyntaxException e) {
            throw ConfigErrors.invalid(where, "value", value,
                    "a valid regex for op \"matches\": " + e.getDescription() + " near index " + e.getIndex());
        }
    }

    private static Expected.Num numberValue(final JsonNode predicate, final String where, final String op) {
        final JsonNode value = predicate.get("value");
        if (value == null || !value.isNumber()) {
            throw ConfigErrors.invalid(where, "value", value, "a number for op \"" + op + "\"");
        }
        return new Expected.Num(value);
    }

    private static JsonType typeValue(final JsonNode predicate, final String where) {
        final JsonNode value = predicate.get("value");
        final JsonType type = value != null && value.isTextual() ? JsonType.byName(value.textValue()) : null;
        if (type == null) {
            throw ConfigErrors.invalid(where, "value", value, "one of " + JsonType.NAMES + " for op \"type\"");
        }
        return type;
    }
}
