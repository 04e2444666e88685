package io.l7mp.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {

    private static final Ep A = new Ep("a", 3);
    private static final Ep B = new Ep("b", 1);
    private static final Ep C = new Ep("c", 1);

    private static List<Ep> picks(final LoadBalancer<Ep> lb, final int count) {
        final List<Ep> picked = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            picked.add(lb.pick(null));
        }
        return picked;
    }

    private static Map<Ep, Integer> counts(final List<Ep> picked) {
        final Map<Ep, Integer> counts = new HashMap<>();
        picked.forEach(e -> counts.merge(e, 1, Integer::sum));
        return counts;
    }

    @Test
    void weighted311IsSmoothlyInterleaved() {
        final LoadBalancer<Ep> lb = Ep.balancer("RoundRobin", null, List.of(A, B, C));
        assertThat(picks(lb, 5)).containsExactly(A, B, A, C, A);
        assertThat(lb.fanOut()).isFalse();
    }

    @Test
    void weighted311Over500PicksIsExactAndRepeats() {
        final LoadBalancer<Ep> lb = Ep.balancer("RoundRobin", null, List.of(A, B, C));
        final List<Ep> picked = picks(lb, 500);
        assertThat(counts(picked)).containsExactlyInAnyOrderEntriesOf(Map.of(A, 300, B, 100, C, 100));
        for (int i = 5; i < picked.size(); i++) {
            assertThat(picked.get(i)).as("pick %d", i).isSameAs(picked.get(i - 5));
        }
    }

    @Test
    void equalWeightsGoInClusterOrder() {
        final Ep x = new Ep("x", 2);
        final Ep y = new Ep("y", 2);
        final Ep z = new Ep("z", 2);
        final LoadBalancer<Ep> lb = Ep.balancer("RoundRobin", null, List.of(x, y, z));
        assertThat(picks(lb, 7)).containsExactly(x, y, z, x, y, z, x);
    }

    @Test
    void commonFactorsDoNotChangeTheOrder() {
        final LoadBalancer<Ep> lb = Ep.balancer("RoundRobin", null,
                List.of(new Ep("a", 30), new Ep("b", 10), new Ep("c", 10)));
        assertThat(picks(lb, 5)).extracting(Ep::name).containsExactly("a", "b", "a", "c", "a");
    }

    @Test
    void zeroWeightIsNeverPicked() {
        final Ep drained = new Ep("d", 0);
        final LoadBalancer<Ep> lb = Ep.balancer("RoundRobin", null, List.of(drained, A, B));
        assertThat(picks(lb, 400)).doesNotContain(drained).hasSize(400);
        assertThat(counts(picks(lb, 400))).containsEntry(A, 300).containsEntry(B, 100);
        assertThat(lb.pickAll(null)).hasSize(1).doesNotContain(drained);
    }

    @Test
    void hugeWeightsAreScaledIntoABoundedCycle() {
        final int[] cycle = RoundRobinBalancer.cycle(new int[] {1_000_000_007, 1_000_000_009, 1});
        assertThat(cycle.length).isLessThanOrEqualTo(RoundRobinBalancer.MAX_CYCLE + 3);
        final long[] counts = new long[3];
        for (final int i : cycle) {
            counts[i]++;
        }
        assertThat(counts[2]).isEqualTo(1);
        assertThat((double) counts[0] / counts[1]).isCloseTo(1.0, offset(0.001));
    }

    @Test
    void concurrentPicksShareOneCounter() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("RoundRobin", null, List.of(A, B, C));
        final int perThread = 10_000;
        final int[][] counts = new int[2][3];
        final List<Ep> order = List.of(A, B, C);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            final int[] mine = counts[t];
            threads[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    mine[order.indexOf(lb.pick(null))]++;
                }
            });
            threads[t].setUncaughtExceptionHandler((thread, e) -> failure.set(e));
            threads[t].start();
        }
        for (final Thread thread : threads) {
            thread.join(30_000);
            assertThat(thread.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();
        // Every counter value is used exactly once, so 20,000 picks split exactly 3:1:1 whatever the interleaving.
        assertThat(counts[0][0] + counts[1][0]).isEqualTo(12_000);
        assertThat(counts[0][1] + counts[1][1]).isEqualTo(4_000);
        assertThat(counts[0][2] + counts[1][2]).isEqualTo(4_000);
    }
}
