package io.l7mp.internal.engine;

import static io.l7mp.internal.engine.EndpointState.REPORT_INTERVAL_NANOS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.EndpointHealth;
import io.l7mp.spec.CircuitBreakerSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The transitions that drive the operator's log lines about an endpoint's connects (warn when they start failing,
 * info when they work again) and its circuit breaker, on a clock the test moves. SessionImpl logs exactly when
 * {@code reportFailing} / {@code reportWorking} return true.
 */
class EndpointStateTest {
    @Test
    void aDownEndpointIsReportedOnceNotPerFailedConnect() {
        final EndpointState s = new EndpointState();
        final long t0 = System.nanoTime();
        assertThat(s.reportWorking()).as("an endpoint starts as working: nothing to say").isFalse();
        assertThat(s.connectFailed()).isEqualTo(1);
        assertThat(s.reportFailing(t0)).as("the first failure is said at once").isTrue();
        for (int i = 2; i <= 1000; i++) {
            assertThat(s.connectFailed()).isEqualTo(i);
            assertThat(s.reportFailing(t0 + i * REPORT_INTERVAL_NANOS)).as("failure %d", i).isFalse();
        }
        s.connected();
        assertThat(s.reportWorking()).as("the first connect after the failures").isTrue();
        s.connected();
        assertThat(s.reportWorking()).isFalse();
        assertThat(s.connectFailed()).as("the streak restarted").isEqualTo(1);
    }

    @Test
    void anEndpointThatFlapsUnderLoadIsReportedOncePerIntervalAndItsLastStateIsSaidAfterIt() {
        final EndpointState s = new EndpointState();
        final long t0 = System.nanoTime();
        int warnings = 0;
        int recoveries = 0;
        for (int i = 0; i < 10_000; i++) {   // every other connect refused, 10,000 within one interval
            final long now = t0 + i * (REPORT_INTERVAL_NANOS / 20_000);
            if (i % 2 == 0) {
                s.connectFailed();
                warnings += s.reportFailing(now) ? 1 : 0;
            } else {
                s.connected();
                recoveries += s.reportWorking() ? 1 : 0;
            }
        }
        assertThat(warnings).isEqualTo(1);
        assertThat(recoveries).isEqualTo(1);
        // Once the interval is over, the next failure is said again: the log does not keep claiming "working".
        s.connectFailed();
        assertThat(s.reportFailing(t0 + REPORT_INTERVAL_NANOS - 1)).isFalse();
        assertThat(s.reportFailing(t0 + REPORT_INTERVAL_NANOS)).isTrue();
        s.connected();
        assertThat(s.reportWorking()).isTrue();
    }

    @Test
    void theBreakerOpensAtItsThresholdOfFailuresInARowAndAConnectClosesIt() {
        final EndpointState s = new EndpointState();
        final CircuitBreakerSpec breaker = CircuitBreakerSpec.of(3, Duration.ofSeconds(30));
        final long t0 = System.nanoTime();
        assertThat(s.opensCircuit(breaker, s.connectFailed(), t0)).isFalse();
        assertThat(s.opensCircuit(breaker, s.connectFailed(), t0)).isFalse();
        assertThat(s.opensCircuit(breaker, s.connectFailed(), t0)).isTrue();
        assertThat(s.health(t0)).isEqualTo(EndpointHealth.EJECTED);
        assertThat(s.opensCircuit(breaker, s.connectFailed(), t0)).as("already open").isFalse();
        assertThat(s.health(t0 + Duration.ofSeconds(31).toNanos())).isEqualTo(EndpointHealth.HEALTHY);
        s.connected();
        assertThat(s.health(t0)).isEqualTo(EndpointHealth.HEALTHY);
        assertThat(s.opensCircuit(breaker, s.connectFailed(), t0)).as("the count restarted").isFalse();
    }
}
