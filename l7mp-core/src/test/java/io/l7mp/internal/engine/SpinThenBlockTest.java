package io.l7mp.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The wait strategy alone, driven by a poll that reports what a real {@code epoll_wait(0)} would. */
class SpinThenBlockTest {
    private static final long SPIN_NANOS = 200_000;
    /** A poll time no test run reaches: the poll below reports events long before. */
    private static final long LONG_SPIN_NANOS = 60_000_000_000L;

    @Test
    void eventsFoundWhilePollingAreHandedOnWithoutSleeping() throws Exception {
        final SpinThenBlock s = new SpinThenBlock(LONG_SPIN_NANOS);
        final AtomicInteger polls = new AtomicInteger();
        assertThat(s.calculateStrategy(() -> polls.incrementAndGet() < 3 ? 0 : 2, false)).isEqualTo(2);
        assertThat(polls).hasValue(3);
    }

    @Test
    void pendingTasksPollOnceAndNeverSleep() throws Exception {
        final SpinThenBlock s = new SpinThenBlock(SPIN_NANOS);
        final AtomicInteger polls = new AtomicInteger();
        assertThat(s.calculateStrategy(() -> {
            polls.incrementAndGet();
            return 0;
        }, true)).isEqualTo(0);
        assertThat(polls).hasValue(1);
    }

    @Test
    void pollingThatKeepsFindingNothingStopsAndIsProbedNowAndThen() throws Exception {
        final SpinThenBlock s = new SpinThenBlock(SPIN_NANOS);
        final AtomicInteger polls = new AtomicInteger();
        final io.netty.util.IntSupplier nothing = () -> {
            polls.incrementAndGet();
            return 0;
        };
        for (int i = 0; i < 8; i++) {
            final int before = polls.get();
            assertThat(s.calculateStrategy(nothing, false)).isEqualTo(SelectStrategy.SELECT);
            assertThat(polls.get() - before).as("wait %d polls", i).isPositive();
        }
        int probes = 0;
        for (int i = 0; i < 128; i++) {
            final int before = polls.get();
            assertThat(s.calculateStrategy(nothing, false)).isEqualTo(SelectStrategy.SELECT);
            if (polls.get() > before) {
                probes++;
            }
        }
        assertThat(probes).as("waits of 128 that polled once polling was off").isEqualTo(2);
        // A probe that finds traffic switches polling back on for the next wait.
        for (int i = 0; i < 64; i++) {
            if (s.calculateStrategy(() -> 1, false) == 1) {
                break;
            }
        }
        final int before = polls.get();
        assertThat(s.calculateStrategy(nothing, false)).isEqualTo(SelectStrategy.SELECT);
        assertThat(polls.get()).isGreaterThan(before);
    }
}
