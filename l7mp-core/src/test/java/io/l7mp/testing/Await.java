package io.l7mp.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling; tests never sleep for a fixed time. */
public final class Await {
    private Await() {
    }

    /** Waits until {@code condition} holds, at most {@code timeout}; fails naming {@code what}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        final long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    /** Waits until {@code supplier} returns non-null and returns it. */
    public static <T> T value(Duration timeout, String what, Supplier<T> supplier) {
        final Object[] box = new Object[1];
        until(timeout, what, () -> (box[0] = supplier.get()) != null);
        @SuppressWarnings("unchecked")
        final T t = (T) box[0];
        return t;
    }
}
