package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;

/** Builds the uniform "{@code where.field: actual (expected: what)}" configuration error messages. */
final class ConfigErrors {

    // Long values would drown the message; the head is enough to locate the offending config.
    private static final int MAX_RENDERED = 80;

    private ConfigErrors() {
    }

    static IllegalArgumentException invalid(final String where, final String field, final JsonNode actual,
            final String expected) {
        return new IllegalArgumentException(where + field + ": " + render(actual) + " (expected: " + expected + ")");
    }

    static String render(final JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        final String text = node.toString();
        return text.length() <= MAX_RENDERED ? text : text.substring(0, MAX_RENDERED - 3) + "...";
    }
}
