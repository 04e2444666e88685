package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fans a session out to the endpoints whose id the session metadata lists at the key (an array of ids or one id).
 * Targets come back in cluster order, each once, however the metadata orders or repeats them.
 */
final class MulticastBalancer<E> implements LoadBalancer<E> {

    private static final int[] NONE = new int[0];

    private final MetadataPath path;
    private final List<E> endpoints;
    /** Positive-weight endpoint indices by id; ids are meant to be unique, but duplicates all receive. */
    private final Map<String, int[]> byId;

    MulticastBalancer(final MetadataPath path, final List<E> endpoints, final int[] weights, final String[] ids) {
        this.path = path;
        this.endpoints = endpoints;
        final Map<String, int[]> map = new HashMap<>();
        for (final int i : Weights.positive(weights)) {
            map.merge(ids[i], new int[] {i}, MulticastBalancer::concat);
        }
        this.byId = map;
    }

    private static int[] concat(final int[] a, final int[] b) {
        final int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private int[] indicesOf(final JsonNode id) {
        return id.isValueNode() ? byId.getOrDefault(id.asText(), NONE) : NONE;
    }

    private JsonNode listed(final JsonNode metadata) {
        return path == null || byId.isEmpty() ? null : path.resolve(metadata);
    }

    @Override
    public E pick(final JsonNode metadata) {
        final JsonNode listed = listed(metadata);
        if (listed == null) {
            return null;
        }
        int first = Integer.MAX_VALUE;
        if (listed.isArray()) {
            for (final JsonNode id : listed) {
                final int[] indices = indicesOf(id);
                if (indices.length > 0) {
                    first = Math.min(first, indices[0]);
                }
            }
        } else {
            final int[] indices = indicesOf(listed);
            if (indices.length > 0) {
                first = indices[0];
            }
        }
        return first == Integer.MAX_VALUE ? null : endpoints.get(first);
    }

    @Override
    public List<E> pickAll(final JsonNode metadata) {
        final JsonNode listed = listed(metadata);
        if (listed == null) {
            return List.of();
        }
        if (!listed.isArray()) {
            return collect(indicesOf(listed));
        }
        final boolean[] selected = new boolean[endpoints.size()];
        int count = 0;
        for (final JsonNode id : listed) {
            for (final int i : indicesOf(id)) {
                if (!selected[i]) {
                    selected[i] = true;
                    count++;
                }
            }
        }
        final List<E> targets = new ArrayList<>(count);
        for (int i = 0; i < selected.length && targets.size() < count; i++) {
            if (selected[i]) {
                targets.add(endpoints.get(i));
            }
        }
        return List.copyOf(targets);
    }

    private List<E> collect(final int[] indices) {
        final List<E> targets = new ArrayList<>(indices.length);
        for (final int i : indices) {
            targets.add(endpoints.get(i));
        }
        return List.copyOf(targets);
    }

    @Override
    public boolean fanOut() {
        return true;
    }

    @Override
    public String toString() {
        return "Multicast[key=" + path + ", endpoints=" + endpoints.size() + "]";
    }
}
