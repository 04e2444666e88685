package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;

/** The {@code value}s of the {@code type} op; {@link #test} gets null for a missing path. */
enum JsonType {
    NUMBER("number") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isNumber();
        }
    },
    STRING("string") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual();
        }
    },
    BOOLEAN("boolean") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isBoolean();
        }
    },
    // JSON objects only: JavaScript's typeof would also say "object" for null and arrays.
    OBJECT("object") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isObject();
        }
    },
    ARRAY("array") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isArray();
        }
    },
    NULL("null") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isNull();
        }
    },
    UNDEFINED("undefined") {
        @Override
        boolean test(final JsonNode node) {
            return node == null;
        }
    },
    DATE("date") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isDate(node.textValue());
        }
    },
    DATE_TIME("date-time") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isDateTime(node.textValue());
        }
    },
    TIME("time") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isTime(node.textValue());
        }
    },
    LANG("lang") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isLanguageTag(node.textValue());
        }
    },
    LANG_RANGE("lang-range") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isLanguageRange(node.textValue());
        }
    },
    IRI("iri") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isIriReference(node.textValue());
        }
    },
    ABSOLUTE_IRI("absolute-iri") {
        @Override
        boolean test(final JsonNode node) {
            return node != null && node.isTextual() && Formats.isAbsoluteIri(node.textValue());
        }
    };

    /** The accepted names, sorted, for error messages. */
    static final List<String> NAMES = Arrays.stream(values()).map(t -> t.name).sorted().toList();

    private final String name;

    JsonType(final String name) {
        this.name = name;
    }

    abstract boolean test(JsonNode node);

    /** The type called {@code name} in a predicate, or null. */
    static JsonType byName(final String name) {
        for (final JsonType type : values()) {
            if (type.name.equals(name)) {
                return type;
            }
        }
        return null;
    }
}
