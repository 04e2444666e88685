package io.l7mp.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spec.ConfigCodec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Reads request bodies: JSON or YAML by {@code Content-Type}, as l7mp accepts them, with a charset if given. */
final class Bodies {
    static final List<String> JSON_TYPES = List.of("application/json", "application/x-json", "text/json",
            "text/x-json");
    static final List<String> YAML_TYPES = List.of("text/yaml", "text/x-yaml", "application/yaml",
            "application/x-yaml");

    private Bodies() {
    }

    /**
     * Parses a body into a tree. Without a {@code Content-Type} the body is read as YAML, which covers JSON.
     *
     * @throws ApiException 415 for another media type or an unknown charset, 400 for an empty or malformed body
     */
    static JsonNode parse(ConfigCodec codec, @Nullable String contentType, byte[] body) {
        boolean yaml = true;
        Charset charset = StandardCharsets.UTF_8;
        if (contentType != null && !contentType.isBlank()) {
            final String[] parts = contentType.split(";");
            final String type = parts[0].trim().toLowerCase(Locale.ROOT);
            if (JSON_TYPES.contains(type)) {
                yaml = false;
            } else if (!YAML_TYPES.contains(type)) {
                throw new ApiException(415, "Content-Type: \"" + contentType + "\" (expected: one of "
                        + JSON_TYPES + " or " + YAML_TYPES + ")");
            }
            for (int i = 1; i < parts.length; i++) {
                final String p = parts[i].trim();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    final String cs = p.substring(8).replace("\"", "").trim();
                    try {
                        charset = Charset.forName(cs);
                    } catch (final IllegalArgumentException e) {
                        throw new ApiException(415, "Content-Type: charset \"" + cs + "\" is not supported");
                    }
                }
            }
        }
        if (body.length == 0) {
            throw new ApiException(400, "body: missing (expected: a JSON or YAML document)");
        }
        final String text;
        try {
            text = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (final CharacterCodingException e) {
            throw new ApiException(400, "body: not valid " + charset.name() + " text");
        }
        try {
            return codec.parse(text, yaml);
        } catch (final io.l7mp.ConfigException e) {
            throw new ApiException(400, "body: " + e.getMessage());
        } catch (final RuntimeException e) {
            // The YAML parser reports some hostile input (alias bombs, deep nesting) with its own exceptions.
            throw new ApiException(400, "body: malformed document: " + e.getMessage());
        }
    }

    /** Returns the object under {@code key} of an l7mp request envelope such as {@code {"listener": {...}}}. */
    static JsonNode envelope(JsonNode body, String key) {
        if (!body.isObject()) {
            throw new ApiException(400, "body: " + kind(body) + " (expected: an object {" + key + ": ...})");
        }
        final JsonNode n = body.get(key);
        if (n == null || n.isNull()) {
            throw new ApiException(400, key + ": missing (expected: {" + key + ": ...})");
        }
        return n;
    }

    static String kind(JsonNode n) {
        return n.isArray() ? "a list" : n.isTextual() ? "a string" : n.isNumber() ? "a number"
                : n.isBoolean() ? "a boolean" : n.isNull() ? "null" : "an object";
    }
}
