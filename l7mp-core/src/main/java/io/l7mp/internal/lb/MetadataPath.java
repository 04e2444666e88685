package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** A parsed l7mp metadata path such as "/IP/src_addr" or "HTTP/headers/0". */
final class MetadataPath {

    private final String[] names;
    /** Array index of each segment, or -1 when the segment is not a non-negative integer. */
    private final int[] indices;

    private MetadataPath(final String[] names, final int[] indices) {
        this.names = names;
        this.indices = indices;
    }

    /** Parses a path once; returns null for a null key or one without segments, meaning "no key configured". */
    static MetadataPath parse(final String key) {
        if (key == null) {
            return null;
        }
        final List<String> segments = new ArrayList<>();
        for (final String segment : key.split("/", -1)) {
            if (!segment.isEmpty()) {
                segments.add(segment);
            }
        }
        if (segments.isEmpty()) {
            return null;
        }
        final String[] names = segments.toArray(new String[0]);
        final int[] indices = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            indices[i] = index(names[i]);
        }
        return new MetadataPath(names, indices);
    }

    private static int index(final String segment) {
        if (segment.length() > 9) {
            return -1; // Longer than any int we accept; also keeps parseInt from overflowing.
        }
        for (int i = 0; i < segment.length(); i++) {
            final char c = segment.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Integer.parseInt(segment);
    }

    /** Returns the node at this path, or null when metadata is null or any segment is absent. */
    JsonNode resolve(final JsonNode metadata) {
        JsonNode node = metadata;
        for (int i = 0; i < names.length && node != null; i++) {
            if (node.isArray()) {
                node = indices[i] >= 0 ? node.get(indices[i]) : null;
            } else if (node.isObject()) {
                node = node.get(names[i]);
            } else {
                return null;
            }
        }
        return node == null || node.isMissingNode() || node.isNull() ? null : node;
    }

    /** Returns the text to hash for the node at this path: scalars as text, containers as JSON, null when absent. */
    String text(final JsonNode metadata) {
        final JsonNode node = resolve(metadata);
        if (node == null) {
            return null;
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    @Override
    public String toString() {
        return "/" + String.join("/", names);
    }
}
