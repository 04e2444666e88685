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

    void fold(SessionImpl s) {
        ingressPackets.add(s.ingressPackets);
        ingressBytes.add(s.ingressBytes);
        egressPackets.add(s.egressPackets);
        egressBytes.add(s.egressBytes);
        errors.add(s.errors);
        retries.add(s.retries);
    }

    /** Returns the totals plus the given live part. */
    Stats snapshot(Stats live) {
        return new Stats(sessions.sum(), live.activeSessions(), ingressPackets.sum() + live.ingressPackets(),
                ingressBytes.sum() + live.ingressBytes(), egressPackets.sum() + live.egressPackets(),
                egressBytes.sum() + live.egressBytes(), errors.sum() + live.errors(), retries.sum() + live.retries());
    }
}
