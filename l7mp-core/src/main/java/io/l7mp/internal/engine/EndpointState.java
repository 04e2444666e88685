package io.l7mp.internal.engine;

import io.l7mp.EndpointHealth;
import io.l7mp.spec.CircuitBreakerSpec;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An endpoint's health as its cluster's active check and circuit breaker see it. One per endpoint, kept by every
 * version of its entry, so a config change elsewhere in the cluster does not forget it. Sessions on any loop report
 * their connects; the check runs on one loop.
 */
final class EndpointState {
    /** Probes passed and failed in a row; touched by the health check's loop only. */
    int passes;
    int fails;
    /** A probe is out; touched by the health check's loop only. */
    boolean probing;
    /** The health check's verdict. */
    volatile boolean failing;
    private final AtomicInteger connectFailures = new AtomicInteger();
    /** {@link System#nanoTime()} at which an ejection ends; 0 while the circuit is closed. */
    private volatile long ejectedUntil;

    boolean available(long now) {
        return !failing && !ejected(now);
    }

    private boolean ejected(long now) {
        final long until = ejectedUntil;
        return until != 0 && now - until < 0;
    }

    EndpointHealth health(long now) {
        return failing ? EndpointHealth.UNHEALTHY : ejected(now) ? EndpointHealth.EJECTED : EndpointHealth.HEALTHY;
    }

    /** A session connected to the endpoint: the circuit closes. */
    void connected() {
        if (connectFailures.get() != 0) {
            connectFailures.set(0);
        }
        if (ejectedUntil != 0) {
            ejectedUntil = 0;
        }
    }

    /**
     * A session failed to connect to the endpoint. Returns true when this failure opened the circuit: the threshold
     * reached, or the first attempt after an ejection failed too.
     */
    boolean connectFailed(CircuitBreakerSpec breaker, long now) {
        final int n = connectFailures.incrementAndGet();
        if (n < breaker.consecutiveFailures() || ejected(now)) {
            return false;
        }
        final long until = now + TimeUnit.MILLISECONDS.toNanos(breaker.openTimeoutMillis());
        ejectedUntil = until == 0 ? 1 : until;
        return true;
    }
}
