package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A parsed path with array indexes precomputed, so resolving it per session parses nothing. */
final class CompiledPath {

    static final CompiledPath ROOT = new CompiledPath(List.of());

    private final String[] names;
    private final int[] indexes;
    private final String text;

    private CompiledPath(final List<String> segments) {
        this.names = segments.toArray(new String[0]);
        this.indexes = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            indexes[i] = JsonPaths.arrayIndex(names[i]);
        }
        this.text = "/" + String.join("/", segments);
    }

    static CompiledPath of(final String path) {
        final List<String> segments = JsonPaths.parse(path);
        return segments.isEmpty() ? ROOT : new CompiledPath(segments);
    }

    boolean isRoot() {
        return names.length == 0;
    }

    /** Same contract as {@link JsonPaths#get}: null when missing, including for a null {@code root}. */
    JsonNode resolve(final JsonNode root) {
        JsonNode node = root;
        for (int i = 0; i < names.length && node != null; i++) {
            node = JsonPaths.child(node, names[i], indexes[i]);
        }
        return node;
    }

    @Override
    public String toString() {
        return text;
    }
}
