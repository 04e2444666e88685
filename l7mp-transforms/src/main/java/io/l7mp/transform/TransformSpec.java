package io.l7mp.transform;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.l7mp.spec.ProtocolSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The spec of a transform written with the {@link TransformProvider} SPI: the protocol name plus free-form parameters
 * next to it, e.g. {@code {protocol: Rewrite, from: foo, to: bar}}. A provider that wants typed, validated parameters
 * returns its own record from {@link io.l7mp.spi.ProtocolProvider#specType()} instead.
 *
 * @param protocol the transform's name
 * @param params   every other key of the spec, as given
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransformSpec(@JsonProperty("protocol") String protocol,
                            @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> params) implements ProtocolSpec {
    public TransformSpec {
        requireNonNull(protocol, "protocol");
        final Map<String, JsonNode> copy = new LinkedHashMap<>();
        if (params != null) {
            params.forEach((k, v) -> copy.put(k, v == null ? JsonNodeFactory.instance.nullNode() : v.deepCopy()));
        }
        params = Collections.unmodifiableMap(copy);
    }

    /** Returns a spec with only a protocol name. */
    public static TransformSpec of(String protocol) {
        return new TransformSpec(protocol, Map.of());
    }

    /** Returns a copy with one more parameter. */
    public TransformSpec with(String name, JsonNode value) {
        final Map<String, JsonNode> m = new LinkedHashMap<>(params);
        m.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
        return new TransformSpec(protocol, m);
    }

    /** Returns a copy with one more text parameter. */
    public TransformSpec with(String name, String value) {
        return with(name, JsonNodeFactory.instance.textNode(value));
    }

    /** Returns a copy with one more integer parameter. */
    public TransformSpec with(String name, long value) {
        return with(name, JsonNodeFactory.instance.numberNode(value));
    }

    /** Returns a copy with one more boolean parameter. */
    public TransformSpec with(String name, boolean value) {
        return with(name, JsonNodeFactory.instance.booleanNode(value));
    }

    /** Returns the parameter, or null when absent. */
    public @Nullable JsonNode param(String name) {
        return params.get(name);
    }

    /** Returns a text parameter, or {@code dflt} when absent. */
    public String text(String name, String dflt) {
        final JsonNode n = params.get(name);
        return n == null || n.isNull() ? dflt : n.asText();
    }

    /** Returns an integer parameter, or {@code dflt} when absent; throws when it is not an integer. */
    public long integer(String name, long dflt) {
        final JsonNode n = params.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return Long.parseLong(n.asText());
            } catch (final NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException(name + ": " + n + " (expected: an integer)");
    }

    /** Returns a boolean parameter, or {@code dflt} when absent. */
    public boolean bool(String name, boolean dflt) {
        final JsonNode n = params.get(name);
        return n == null || n.isNull() ? dflt : n.asBoolean();
    }
}
