package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Consistent-hash ring keyed by a metadata value. Each endpoint owns POINTS_PER_WEIGHT * weight virtual nodes whose
 * positions are XXH64(id, seed = node number), so adding or removing one endpoint moves only the keys that endpoint
 * gains or loses, and raising a weight only adds nodes. Sessions without a key get a weighted random pick.
 */
final class ConsistentHashBalancer<E> extends SingleBalancer<E> {

    /** Virtual nodes per unit of weight: about 8% spread error per endpoint, a 160 * 8 byte ring per weight unit. */
    static final int POINTS_PER_WEIGHT = 160;
    /** Ring size cap (2 MiB); larger weight sums halve every endpoint's node count until it fits. */
    static final int MAX_RING_POINTS = 1 << 18;

    private final MetadataPath path;
    private final List<E> endpoints;
    /** Low bits of each ring point that hold the owning endpoint's index. */
    private final long ownerMask;
    /**
     * Sorted ring points. The owner's index replaces the lowest position bits so that a primitive sort builds the ring
     * fast; moving a point by less than 2^-50 of the ring leaves practically every key where it was.
     */
    private final long[] ring;
    private final Weights.Random random;

    ConsistentHashBalancer(final MetadataPath path, final List<E> endpoints, final int[] weights, final String[] ids) {
        this.path = path;
        this.endpoints = endpoints;
        this.random = new Weights.Random(weights);
        this.ownerMask = endpoints.size() <= 1 ? 0 : -1L >>> Long.numberOfLeadingZeros(endpoints.size() - 1);
        final long[] nodes = nodeCounts(weights);
        long total = 0;
        for (final long count : nodes) {
            total += count;
        }
        final long[] points = new long[(int) total];
        int next = 0;
        for (int i = 0; i < nodes.length; i++) {
            final byte[] id = ids[i].getBytes(StandardCharsets.UTF_8);
            for (int v = 0; v < nodes[i]; v++) {
                points[next++] = Xxh64.hash(id, v) & ~ownerMask | i;
            }
        }
        Arrays.sort(points);
        // Equal positions (duplicate ids, or collisions) keep the lowest cluster index so that every instance agrees.
        int size = 0;
        for (final long point : points) {
            if (size == 0 || (points[size - 1] & ~ownerMask) != (point & ~ownerMask)) {
                points[size++] = point;
            }
        }
        this.ring = Arrays.copyOf(points, size);
    }

    /** Returns each endpoint's virtual node count, halved together (rounding up) while the ring would be too big. */
    static long[] nodeCounts(final int[] weights) {
        final long[] counts = new long[weights.length];
        for (int shift = 0; ; shift++) {
            long total = 0;
            boolean shrinkable = false;
            for (int i = 0; i < weights.length; i++) {
                final long full = (long) POINTS_PER_WEIGHT * weights[i];
                counts[i] = weights[i] == 0 ? 0 : Math.max(1, (full + (1L << shift) - 1) >> shift);
                total += counts[i];
                shrinkable |= counts[i] > 1;
            }
            if (total <= MAX_RING_POINTS || !shrinkable) {
                return counts;
            }
        }
    }

    @Override
    public E pick(final JsonNode metadata) {
        if (ring.length == 0) {
            return null;
        }
        final String key = path == null ? null : path.text(metadata);
        if (key == null) {
            return endpoints.get(random.next());
        }
        return endpoints.get((int) (ring[slot(Xxh64.hash(key, 0))] & ownerMask));
    }

    /** Returns the ring slot owning hash h: the first point at or after h, wrapping around past the last. */
    private int slot(final long h) {
        final int found = Arrays.binarySearch(ring, h);
        if (found >= 0) {
            return found;
        }
        final int insertion = -found - 1;
        return insertion == ring.length ? 0 : insertion;
    }

    int ringSize() {
        return ring.length;
    }

    @Override
    public String toString() {
        return "ConsistentHash[key=" + path + ", endpoints=" + endpoints.size() + ", ring=" + ring.length + "]";
    }
}
