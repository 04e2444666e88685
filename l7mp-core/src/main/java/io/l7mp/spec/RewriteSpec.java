package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import org.jspecify.annotations.Nullable;

/**
 * One {@code rewrite} step of a rule action: set the metadata at {@code path} to {@code value}, creating intermediate
 * objects. {@code "/"} replaces the whole metadata.
 */
public record RewriteSpec(@JsonProperty("path") String path, @JsonProperty("value") JsonNode value) {
    public RewriteSpec {
        if (path == null) {
            throw new IllegalArgumentException("path: missing (expected: a metadata path such as /labels/x)");
        }
        value = value == null ? NullNode.getInstance() : value.deepCopy();
    }

    /** Returns a step that sets {@code path} to {@code value}. */
    public static RewriteSpec of(String path, @Nullable JsonNode value) {
        return new RewriteSpec(path, value == null ? NullNode.getInstance() : value);
    }
}
