package io.l7mp.internal.engine;

import io.l7mp.Stats;
import java.util.concurrent.atomic.LongAdder;

/** Totals of ended sessions, folded in once per session so the data path never touches shared counters. */
final class Counters {
    final LongAdder sessions = new LongAdder();
    final LongAdder ingressPackets = new LongAdder();
    final LongAdder ingressBytes = new LongAdder();
    final LongAdder egressPackets = new LongAdder();
    final LongAdder egressBytes = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder retries = new LongAdder();

    /**
     * Adds an ended session's counts. Zeros are skipped: each add is an atomic update, and a short connection folds
     * into its listener, cluster and endpoint, mostly with no errors and no retries.
     */
    void fold(SessionImpl s) {
        add(ingressPackets, s.ingressPackets);
        add(ingressBytes, s.ingressBytes);
        add(egressPackets, s.egressPackets);
        add(egressBytes, s.egressBytes);
        add(errors, s.errors);
        add(retries, s.retries);
    }

    private static void add(LongAdder a, long n) {
        if (n != 0) {
            a.add(n);
        }
    }

    /** Returns the totals plus the given live part. */
    Stats snapshot(Stats live) {
        return new Stats(sessions.sum(), live.activeSessions(), ingressPackets.sum() + live.ingressPackets(),
                ingressBytes.sum() + live.ingressBytes(), egressPackets.sum() + live.egressPackets(),
                egressBytes.sum() + live.egressBytes(), errors.sum() + live.errors(), retries.sum() + live.retries());
    }
}
