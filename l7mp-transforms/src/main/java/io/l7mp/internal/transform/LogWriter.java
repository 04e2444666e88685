package io.l7mp.internal.transform;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Logger output on one background thread, so that a slow terminal, pipe or disk never blocks an event loop.
 * At most {@link #MAX_QUEUED} lines and {@link #MAX_QUEUED_BYTES} bytes wait; beyond that lines are dropped (and
 * counted by their sessions): logging must not hold up the data path nor grow without bound. Opening and closing files are queued too and never dropped, so
 * every file is written in order and closed.
 */
final class LogWriter {
    static final int MAX_QUEUED = 16384;
    static final long MAX_QUEUED_BYTES = 16 << 20;
    private static final Logger logger = LoggerFactory.getLogger(LogWriter.class);
    private static final LogWriter INSTANCE = new LogWriter();

    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedLines = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Object startLock = new Object();
    private volatile boolean started;

    private LogWriter() {
    }

    static LogWriter get() {
        return INSTANCE;
    }

    /** Returns false when lines are being dropped: the caller may skip formatting. */
    boolean hasRoom() {
        return queuedLines.get() < MAX_QUEUED && queuedBytes.get() < MAX_QUEUED_BYTES;
    }

    /** Queues a line for {@code target}; returns false when it was dropped. Any thread. */
    boolean write(Target target, byte[] line) {
        final int lines = queuedLines.incrementAndGet();
        final long bytes = queuedBytes.addAndGet(line.length);
        if (lines > MAX_QUEUED || bytes > MAX_QUEUED_BYTES) {
            queuedLines.decrementAndGet();
            queuedBytes.addAndGet(-line.length);
            return false;
        }
        enqueue(new Job(target, line, false));
        return true;
    }

    /** Queues opening a file target (creating or truncating it now, as l7mp does per session). */
    void open(Target target) {
        enqueue(new Job(target, null, false));
    }

    /** Queues closing {@code target} after what was queued for it. */
    void close(Target target) {
        enqueue(new Job(target, null, true));
    }

    private void enqueue(Job job) {
        if (!started) {
            start();
        }
        queue.add(job);
    }

    private void start() {
        synchronized (startLock) {
            if (started) {
                return;
            }
            final Thread t = new Thread(this::run, "l7mp-logger");
            t.setDaemon(true);
            t.start();
            started = true;
        }
    }

    private void run() {
        final List<Target> dirty = new ArrayList<>();
        while (true) {
            try {
                Job j = queue.poll(1, TimeUnit.SECONDS);
                while (j != null) {
                    handle(j, dirty);
                    j = queue.poll();
                }
                for (final Target t : dirty) {
                    t.flush();
                }
                dirty.clear();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (final RuntimeException e) {
                logger.warn("Logger output failed", e);
            }
        }
    }

    private void handle(Job j, List<Target> dirty) {
        if (j.close) {
            j.target.close();
            dirty.remove(j.target);
            return;
        }
        if (j.line == null) {
            j.target.open();
            return;
        }
        queuedLines.decrementAndGet();
        queuedBytes.addAndGet(-j.line.length);
        j.target.write(j.line);
        if (!dirty.contains(j.target)) {
            dirty.add(j.target);
        }
    }

    private record Job(Target target, byte @Nullable [] line, boolean close) {
    }

    /** Where lines go. Used on the writer thread only. */
    abstract static class Target {
        abstract void open();

        abstract void write(byte[] line);

        abstract void flush();

        abstract void close();
    }

    /** Standard output or error, looked up at each write so that a redirected {@link System#out} is honoured. */
    static final class StdTarget extends Target {
        static final StdTarget OUT = new StdTarget(false);
        static final StdTarget ERR = new StdTarget(true);

        private final boolean err;

        private StdTarget(boolean err) {
            this.err = err;
        }

        private PrintStream stream() {
            return err ? System.err : System.out;
        }

        @Override
        void open() {
        }

        @Override
        void write(byte[] line) {
            stream().write(line, 0, line.length);
        }

        @Override
        void flush() {
            stream().flush();
        }

        @Override
        void close() {
        }
    }

    /**
     * A file as one session's stage uses it. Stages that log to the same path at the same time (a session with the
     * Logger in both chains, concurrent sessions) share one open stream, so that their lines interleave instead of
     * overwriting each other; the first to open it creates or truncates it (l7mp's per-session {@code w}) unless
     * appending, the last to close it closes it.
     */
    static final class FileTarget extends Target {
        /** Open files by path; touched on the writer thread only. */
        private static final Map<Path, SharedFile> OPEN = new HashMap<>();

        private final Path path;
        private final boolean append;
        private @Nullable SharedFile file;
        private boolean done;

        FileTarget(Path path, boolean append) {
            this.path = path.toAbsolutePath().normalize();
            this.append = append;
        }

        @Override
        void open() {
            if (file != null || done) {
                return;
            }
            SharedFile f = OPEN.get(path);
            if (f == null) {
                try {
                    f = new SharedFile(path, new BufferedOutputStream(new FileOutputStream(path.toFile(), append),
                            65536));
                } catch (final IOException e) {
                    done = true;
                    logger.warn("Logger cannot open {}: {}", path, e.getMessage());
                    return;
                }
                OPEN.put(path, f);
            }
            f.users++;
            file = f;
        }

        @Override
        void write(byte[] line) {
            open();
            final SharedFile f = file;
            if (f == null || f.out == null) {
                return;
            }
            try {
                f.out.write(line);
            } catch (final IOException e) {
                f.fail(e);
            }
        }

        @Override
        void flush() {
            final SharedFile f = file;
            if (f == null || f.out == null) {
                return;
            }
            try {
                f.out.flush();
            } catch (final IOException e) {
                f.fail(e);
            }
        }

        @Override
        void close() {
            done = true;
            final SharedFile f = file;
            file = null;
            if (f != null && --f.users == 0) {
                OPEN.remove(path, f);
                f.close();
            }
        }
    }

    /** One open file and how many stages use it. */
    private static final class SharedFile {
        final Path path;
        @Nullable OutputStream out;
        int users;

        SharedFile(Path path, OutputStream out) {
            this.path = path;
            this.out = out;
        }

        void fail(IOException e) {
            logger.warn("Logger cannot write {}: {}", path, e.getMessage());
            close();
        }

        void close() {
            final OutputStream o = out;
            out = null;
            if (o != null) {
                try {
                    o.close();
                } catch (final IOException e) {
                    logger.warn("Logger cannot close {}: {}", path, e.getMessage());
                }
            }
        }
    }
}
