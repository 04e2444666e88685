package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A validated l7mp {@code action.rewrite} list; immutable and safe to share across threads. */
public final class Rewriter {

    private final Step[] steps;

    private Rewriter(final Step[] steps) {
        this.steps = steps;
    }

    /** Validates {@code [{path, value}, ...]}, copying values; errors name the entry, e.g. {@code rewrite[1].path}. */
    public static Rewriter compile(final JsonNode rewriteList) {
        if (rewriteList == null || !rewriteList.isArray()) {
            throw ConfigErrors.invalid("", "rewrite", rewriteList, "an array of {path, value} objects");
        }
        final Step[] steps = new Step[rewriteList.size()];
        for (int i = 0; i < steps.length; i++) {
            final JsonNode entry = rewriteList.get(i);
            final String where = "rewrite[" + i + "]";
            if (!entry.isObject()) {
                throw ConfigErrors.invalid("", where, entry, "an object with a string \"path\" and a \"value\"");
            }
            final JsonNode path = entry.get("path");
            if (path == null || !path.isTextual()) {
                throw ConfigErrors.invalid(where + ".", "path", path, "a string path like \"/labels/x\"");
            }
            final JsonNode value = entry.get("value");
            if (value == null) {
                throw ConfigErrors.invalid(where + ".", "value", null, "a JSON value (null is allowed)");
            }
            final List<String> segments = JsonPaths.parse(path.textValue());
            if (segments.isEmpty() && !value.isObject()) {
                throw ConfigErrors.invalid(where + ".", "value", value,
                        "an object, since path " + path + " replaces the whole metadata");
            }
            steps[i] = new Step(segments, value.deepCopy());
        }
        return new Rewriter(steps);
    }

    /** Applies the rewrites in list order with {@link JsonPaths#set}, so it throws where that throws. */
    public void apply(final ObjectNode metadata) {
        for (final Step step : steps) {
            JsonPaths.set(metadata, step.path(), step.value());
        }
    }

    /** Number of rewrites; 0 makes {@link #apply} a no-op. */
    public int size() {
        return steps.length;
    }

    /** {@code value} is the compile-time copy; {@link JsonPaths#set} copies it again for each session. */
    private record Step(List<String> path, JsonNode value) {
    }
}
