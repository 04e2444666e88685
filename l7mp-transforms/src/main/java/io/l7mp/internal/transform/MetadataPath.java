package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** An l7mp metadata path, {@code /labels/session_id} or {@code HTTP/headers/id}; numeric segments index arrays. */
final class MetadataPath {
    private final String[] segments;

    MetadataPath(String path) {
        this.segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    /** Returns the value at this path, or null when a segment is absent or the value is JSON null. */
    @Nullable JsonNode resolve(JsonNode root) {
        JsonNode n = root;
        for (final String s : segments) {
            if (n == null) {
                return null;
            }
            if (n.isArray()) {
                int i = -1;
                try {
                    i = Integer.parseInt(s);
                } catch (final NumberFormatException e) {
                    return null;
                }
                n = n.get(i);
            } else {
                n = n.get(s);
            }
        }
        return n == null || n.isNull() || n.isMissingNode() ? null : n;
    }

    @Override
    public String toString() {
        return "/" + String.join("/", segments);
    }
}
