package io.l7mp.internal.protocol;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs what a listener's peers get wrong (a malformed request, a refused header) at INFO so that an operator sees it
 * without turning on debug, but at most once per ten seconds per listener: a peer sending garbage in a loop must not
 * turn the proxy's log into its amplifier. The rest go to DEBUG and are counted in the next INFO line.
 */
public final class PeerErrorLog {
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger logger;
    private final AtomicLong last = new AtomicLong(System.nanoTime() - WINDOW_NANOS);
    private final AtomicLong heldBack = new AtomicLong();

    /** Logs through {@code logger}. */
    public PeerErrorLog(Logger logger) {
        this.logger = logger;
    }

    /** Logs one peer error: {@code listener {}: <what> from {}: {}}. */
    public void log(String listener, String what, Object peer, Object why) {
        final long now = System.nanoTime();
        final long t = last.get();
        if (logger.isInfoEnabled() && now - t >= WINDOW_NANOS && last.compareAndSet(t, now)) {
            final long n = heldBack.getAndSet(0);
            if (n == 0) {
                logger.info("listener {}: {} from {}: {}", listener, what, peer, why);
            } else {
                logger.info("listener {}: {} from {}: {} ({} more in the last seconds, at debug level)", listener,
                        what, peer, why, n);
            }
            return;
        }
        heldBack.incrementAndGet();
        logger.debug("listener {}: {} from {}: {}", listener, what, peer, why);
    }
}
