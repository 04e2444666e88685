package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Consistent-hash ring keyed by a metadata value. Each endpoint owns POINTS_PER_WEIGHT * weight virtual nodes whose
 * positions depend only on its id and the node number, so adding or removing one endpoint moves only the keys that
 * endpoint gains or loses, and raising a weight only adds nodes. Sessions without a key get a weighted random pick.
 */
final class ConsistentHashBalancer<E> extends SingleBalancer<E> {

    /** Virtual nodes per unit of weight: about 8% spread error per endpoint, a 160 * 8 byte ring per weight unit. */
    static final int POINTS_PER_WEIGHT = 160;
    /** Ring size cap (3 MiB of arrays); larger weight sums halve every endpoint's node count until it fits. */
    static final int MAX_RING_POINTS = 1 << 18;

    private final MetadataPath path;
    private final List<E> endpoints;
    private final long[] ring;
    private final int[] owners;
    private final Weights.Random random;

    ConsistentHashBalancer(final MetadataPath path, final List<E> endpoints, final int[] weights, final String[] ids) {
        this.path = path;
        this.endpoints = endpoints;
        this.random = new Weights.Random(weights);
        final long[] nodes = nodeCounts(weights);
        long total = 0;
        for (final long count : nodes) {
            total += count;
        }
        final Node[] all = new Node[(int) total];
        int next = 0;
        for (int i = 0; i < nodes.length; i++) {
            final byte[] id = ids[i].getBytes(StandardCharsets.UTF_8);
            for (int v = 0; v < nodes[i]; v++) {
                all[next++] = new Node(Xxh64.hash(id, v), i);
            }
        }
        // Ties (64-bit collisions or duplicate ids) go to the lower cluster index so that every instance agrees.
        Arrays.sort(all, Comparator.comparingLong(Node::point).thenComparingInt(Node::owner));
        int size = 0;
        final long[] points = new long[all.length];
        final int[] owner = new int[all.length];
        for (final Node node : all) {
            if (size == 0 || points[size - 1] != node.point()) {
                points[size] = node.point();
                owner[size] = node.owner();
                size++;
            }
        }
        this.ring = Arrays.copyOf(points, size);
        this.owners = Arrays.copyOf(owner, size);
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
        return endpoints.get(owners[slot(Xxh64.hash(key, 0))]);
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

    private record Node(long point, int owner) {
    }
}
