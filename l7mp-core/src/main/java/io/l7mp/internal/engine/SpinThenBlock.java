package io.l7mp.internal.engine;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

/**
 * An event loop's wait: after a round of work the loop polls for new events (a non-blocking {@code epoll_wait}, or
 * NIO's {@code selectNow}) for up to a few tens of microseconds before it sleeps in a blocking one. A reply that comes
 * back within that time is picked up without the sleep and the wake-up, which on a virtual machine cost a
 * request/response exchange several microseconds per hop. Between polls the loop yields its core, so a client or
 * server thread waiting for that core (the one that will send the next event) runs first. Polls that keep finding
 * nothing switch the polling off, so an idle or sporadic proxy sleeps right away; one wait in {@link #PROBE_EVERY}
 * polls again to find out when traffic has become dense again. A task handed to the loop from another thread while
 * it polls (a REST change, say) is not signalled to it (Netty wakes only a sleeping loop) and waits at most the poll
 * time.
 */
final class SpinThenBlock implements SelectStrategy {
    private static final int MISSES_BEFORE_OFF = 8;
    private static final int PROBE_EVERY = 64;

    private final long spinNanos;
    private int misses;
    private int waits;

    SpinThenBlock(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    @Override
    public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
        if (hasTasks) {
            return selectSupplier.get();
        }
        if (misses >= MISSES_BEFORE_OFF && ++waits % PROBE_EVERY != 0) {
            return SELECT;
        }
        final long deadline = System.nanoTime() + spinNanos;
        do {
            final int ready = selectSupplier.get();
            if (ready > 0) {
                misses = 0;
                return ready;
            }
            Thread.yield();
        } while (System.nanoTime() - deadline < 0);
        if (misses < MISSES_BEFORE_OFF) {
            misses++;
        }
        return SELECT;
    }
}
