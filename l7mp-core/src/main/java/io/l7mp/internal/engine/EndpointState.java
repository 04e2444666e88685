package io.l7mp.internal.engine;

import io.l7mp.EndpointHealth;
import io.l7mp.spec.CircuitBreakerSpec;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An endpoint's health as its cluster's active check and circuit breaker see it, and what the log last said about
 * its connects. One per endpoint, kept by every version of its entry, so a config change elsewhere in the cluster
 * does not forget it. Sessions on any loop report their connects; the check runs on one loop.
 */
final class EndpointState {
    /**
     * The shortest time between two log lines saying that one endpoint's connects fail: an endpoint that refuses
     * every other connect under load must not write a line per connect.
     */
    static final long REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

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
    /** What the log last said: connects to the endpoint fail (true) or work (false). */
    private final AtomicBoolean reportedFailing = new AtomicBoolean();
    /** {@link System#nanoTime()} when the log last said "failing"; far enough back that the first one is said. */
    private final AtomicLong failingSaidAt = new AtomicLong(System.nanoTime() - REPORT_INTERVAL_NANOS);

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

    /** A session failed to connect to the endpoint. Returns the connects that failed in a row, this one included. */
    int connectFailed() {
        return connectFailures.incrementAndGet();
    }

    /**
     * Returns true when the {@code n}-th failed connect in a row opens the circuit: the breaker's threshold reached,
     * or the first attempt after an ejection failed too.
     */
    boolean opensCircuit(CircuitBreakerSpec breaker, int n, long now) {
        if (n < breaker.consecutiveFailures() || ejected(now)) {
            return false;
        }
        final long until = now + TimeUnit.MILLISECONDS.toNanos(breaker.openTimeoutMillis());
        ejectedUntil = until == 0 ? 1 : until;
        return true;
    }

    /**
     * Returns true when the log should say now that connects to the endpoint fail: the last line about it said they
     * work (an endpoint starts as working), and no line said they fail in the last {@link #REPORT_INTERVAL_NANOS}. An
     * endpoint that refuses every other connect under load thus writes two lines per interval, not one per connect;
     * a failure that comes sooner is said by the first failure after the interval.
     */
    boolean reportFailing(long now) {
        if (reportedFailing.get()) {
            return false;
        }
        final long at = failingSaidAt.get();
        if (now - at < REPORT_INTERVAL_NANOS || !failingSaidAt.compareAndSet(at, now)) {
            return false;
        }
        reportedFailing.set(true);
        return true;
    }

    /** Returns true when the log should say now that connects work again: the last line said they fail. */
    boolean reportWorking() {
        return reportedFailing.get() && reportedFailing.compareAndSet(true, false);
    }
}
