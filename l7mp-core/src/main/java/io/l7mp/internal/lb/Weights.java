package io.l7mp.internal.lb;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;

/** Weight normalization and weighted random choice shared by the policies. */
final class Weights {

    private Weights() {
    }

    /** Returns the validated weights; all-zero becomes all-one so that a cluster of drained endpoints still works. */
    static <E> int[] effective(final List<E> endpoints, final ToIntFunction<E> weight) {
        final int[] weights = new int[endpoints.size()];
        boolean anyPositive = false;
        for (int i = 0; i < weights.length; i++) {
            final int w = weight.applyAsInt(endpoints.get(i));
            if (w < 0) {
                throw new IllegalArgumentException("weight: " + w + " (expected: >= 0) of endpoint " + i);
            }
            weights[i] = w;
            anyPositive |= w > 0;
        }
        if (!anyPositive) {
            Arrays.fill(weights, 1);
        }
        return weights;
    }

    /** Returns the indices of the endpoints with a positive weight, in cluster order. */
    static int[] positive(final int[] weights) {
        int count = 0;
        for (final int w : weights) {
            if (w > 0) {
                count++;
            }
        }
        final int[] indices = new int[count];
        int next = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                indices[next++] = i;
            }
        }
        return indices;
    }

    static int gcd(final int a, final int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            final int t = x % y;
            x = y;
            y = t;
        }
        return x;
    }

    /** Random choice proportional to weight; weights are fixed at construction. */
    static final class Random {

        private final long[] cumulative;
        private final long total;

        Random(final int[] weights) {
            cumulative = new long[weights.length];
            long sum = 0;
            for (int i = 0; i < weights.length; i++) {
                sum += weights[i];
                cumulative[i] = sum;
            }
            total = sum;
        }

        /** Returns an index with probability weight/total, or -1 when there are no endpoints. */
        int next() {
            if (total == 0) {
                return -1;
            }
            final long r = ThreadLocalRandom.current().nextLong(total);
            // First index whose cumulative weight exceeds r; zero-weight entries repeat the previous sum and lose.
            int lo = 0;
            int hi = cumulative.length - 1;
            while (lo < hi) {
                final int mid = (lo + hi) >>> 1;
                if (cumulative[mid] > r) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }
    }
}
