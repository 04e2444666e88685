package io.l7mp.internal.protocol.stdio;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads that wait on blocking streams (process pipes, FIFOs, stdin) so that event loops never do. Threads are
 * daemons, created on demand and ended after a minute of idleness.
 */
public final class BlockingIo {
    private static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new DefaultThreadFactory("l7mp-blocking-io", true));

    private BlockingIo() {
    }

    /** Runs {@code task} on a thread of its own (reused from a pool). */
    public static void run(Runnable task) {
        POOL.execute(task);
    }
}
