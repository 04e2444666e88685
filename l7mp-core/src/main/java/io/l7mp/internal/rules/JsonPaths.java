package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** l7mp metadata paths: JSON-pointer-like {@code /a/0} minus {@code ~} escapes; setting "/" replaces root's content. */
public final class JsonPaths {

    /** Most nulls {@link #set} pads an array with; a far-off index is a config typo, not a wish for OOM. */
    static final int MAX_ARRAY_PADDING = 1024;

    // "999999999" still fits an int, so index parsing never overflows.
    private static final int MAX_INDEX_DIGITS = 9;

    private JsonPaths() {
    }

    /** Splits on '/' dropping empty segments, so "a/b", "/a/b" and "/a//b/" agree and "" or "/" give the root []. */
    public static List<String> parse(final String path) {
        Objects.requireNonNull(path, "path");
        final List<String> segments = new ArrayList<>();
        final int length = path.length();
        int start = 0;
        for (int i = 0; i <= length; i++) {
            if (i == length || path.charAt(i) == '/') {
                if (i > start) {
                    segments.add(path.substring(start, i));
                }
                start = i + 1;
            }
        }
        return List.copyOf(segments);
    }

    /** Returns the node at {@code segments}, or null if any step is missing; only canonical decimals index arrays. */
    public static JsonNode get(final JsonNode root, final List<String> segments) {
        JsonNode node = root;
        final int size = segments.size();
        for (int i = 0; i < size && node != null; i++) {
            final String segment = segments.get(i);
            node = child(node, segment, arrayIndex(segment));
        }
        return node;
    }

    /** Deep-copies value in (null: JSON null); missing/scalar parents become objects; array steps must be indexes. */
    public static void set(final ObjectNode root, final List<String> segments, final JsonNode value) {
        Objects.requireNonNull(root, "root");
        final JsonNode copy = value == null ? NullNode.getInstance() : value.deepCopy();
        final int last = segments.size() - 1;
        if (last < 0) {
            if (!copy.isObject()) {
                throw new IllegalArgumentException("cannot replace the root with " + ConfigErrors.render(copy)
                        + ": the root path \"/\" takes an object value only");
            }
            root.removeAll();
            root.setAll((ObjectNode) copy);
            return;
        }
        JsonNode container = root;
        for (int i = 0; i < last; i++) {
            final JsonNode next = childForWrite(container, segments, i);
            if (next != null && next.isContainerNode()) {
                container = next;
            } else {
                final ObjectNode created = root.objectNode();
                put(container, segments, i, created);
                container = created;
            }
        }
        put(container, segments, last, copy);
    }

    /** Canonical array index of {@code segment} ("0", "17", not "01" or "-1"), or -1. */
    static int arrayIndex(final String segment) {
        final int length = segment.length();
        if (length == 0 || length > MAX_INDEX_DIGITS || (length > 1 && segment.charAt(0) == '0')) {
            return -1;
        }
        int index = 0;
        for (int i = 0; i < length; i++) {
            final char c = segment.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            index = index * 10 + (c - '0');
        }
        return index;
    }

    /** One read step; {@code index} is the precomputed {@link #arrayIndex} of {@code name}. */
    static JsonNode child(final JsonNode node, final String name, final int index) {
        if (node.isObject()) {
            return node.get(name);
        }
        if (node.isArray()) {
            return index >= 0 ? node.get(index) : null;
        }
        return null;
    }

    private static JsonNode childForWrite(final JsonNode container, final List<String> segments, final int i) {
        if (container.isObject()) {
            return container.get(segments.get(i));
        }
        return container.get(requireIndex(segments, i));
    }

    private static void put(final JsonNode container, final List<String> segments, final int i, final JsonNode value) {
        if (container.isObject()) {
            ((ObjectNode) container).set(segments.get(i), value);
            return;
        }
        final ArrayNode array = (ArrayNode) container;
        final int index = requireIndex(segments, i);
        if (index < array.size()) {
            array.set(index, value);
            return;
        }
        if (index - array.size() > MAX_ARRAY_PADDING) {
            throw new IllegalArgumentException("array index " + index + " at " + prefix(segments, i)
                    + " is too far past the end of the array (size " + array.size() + ", max padding "
                    + MAX_ARRAY_PADDING + ")");
        }
        while (array.size() < index) {
            array.addNull();
        }
        array.add(value);
    }

    private static int requireIndex(final List<String> segments, final int i) {
        final int index = arrayIndex(segments.get(i));
        if (index < 0) {
            throw new IllegalArgumentException("cannot set " + prefix(segments, i) + ": \"" + segments.get(i)
                    + "\" is not an array index but the parent is an array");
        }
        return index;
    }

    private static String prefix(final List<String> segments, final int lastIncluded) {
        return "/" + String.join("/", segments.subList(0, lastIncluded + 1));
    }
}
