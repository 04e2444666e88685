package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin (nginx's order). The whole cycle is precomputed so that a pick is one atomic increment:
 * nginx's algorithm mutates per-endpoint state and would need a lock.
 */
final class RoundRobinBalancer<E> extends SingleBalancer<E> {

    /** Longest cycle we precompute; larger weight sums are scaled down, keeping every positive weight at least 1. */
    static final int MAX_CYCLE = 1 << 14;

    private final List<E> endpoints;
    private final int[] cycle;
    private final AtomicLong counter = new AtomicLong();

    RoundRobinBalancer(final List<E> endpoints, final int[] weights) {
        this.endpoints = endpoints;
        this.cycle = cycle(weights);
    }

    /** Returns the endpoint indices of one smooth-WRR cycle. */
    static int[] cycle(final int[] weights) {
        final int[] positive = Weights.positive(weights);
        final int n = positive.length;
        final int[] w = new int[n];
        int gcd = 0;
        for (int i = 0; i < n; i++) {
            w[i] = weights[positive[i]];
            gcd = Weights.gcd(gcd, w[i]);
        }
        long total = 0;
        boolean uniform = true;
        for (int i = 0; i < n; i++) {
            w[i] /= gcd;
            total += w[i];
            uniform &= w[i] == 1;
        }
        if (uniform) {
            return positive; // Smooth WRR over equal weights is plain cluster order; skip the O(n^2) walk.
        }
        if (total > MAX_CYCLE) {
            long scaled = 0;
            for (int i = 0; i < n; i++) {
                w[i] = (int) Math.max(1, Math.round((double) w[i] * MAX_CYCLE / total));
                scaled += w[i];
            }
            total = scaled;
        }
        final int[] cycle = new int[(int) total];
        final long[] current = new long[n];
        for (int step = 0; step < cycle.length; step++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += w[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            cycle[step] = positive[best];
        }
        return cycle;
    }

    @Override
    public E pick(final JsonNode metadata) {
        if (cycle.length == 0) {
            return null;
        }
        return endpoints.get(cycle[(int) Math.floorMod(counter.getAndIncrement(), (long) cycle.length)]);
    }

    @Override
    public String toString() {
        return "RoundRobin[endpoints=" + endpoints.size() + ", cycle=" + cycle.length + "]";
    }
}
