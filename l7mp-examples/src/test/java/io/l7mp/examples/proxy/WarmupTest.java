package io.l7mp.examples.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The warm-up drives real traffic of every kind through a throw-away proxy and leaves nothing behind. */
class WarmupTest {
    @Test
    void everyKindOfTrafficGoesThroughAndNothingIsLeftRunning() throws Exception {
        final Warmup.Result r;
        try (L7mp real = L7mp.builder().build()) {
            r = Warmup.run(1500, real.transport().group());
        }
        assertThat(r.datagrams()).isPositive();
        assertThat(r.connections()).isPositive();
        assertThat(r.requests()).isPositive();
        assertThat(r.bulkBytes()).isPositive();
        final Set<String> threads = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).collect(Collectors.toSet());
        assertThat(threads).noneMatch(n -> n.startsWith("l7mp-warmup"));
    }
}
