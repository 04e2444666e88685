package io.l7mp.internal.protocol.stdio;

import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A byte-stream stage over blocking Java streams (a process's pipes, FIFOs, stdin and stdout). A reader thread and
 * a writer thread from {@link BlockingIo} do the blocking; buffers cross to the stage's event loop with
 * {@code eventLoop.execute}, so the {@link Stage} methods and every handler call stay on the loop.
 *
 * <p>Backpressure: the reader stops reading while the stage is paused ({@link #setAutoRead}) or while
 * {@value #MAX_IN_FLIGHT} chunks wait for the loop; the stage is not writable while more than
 * {@value #HIGH_WATER} bytes wait for the writer, and tells its handler when that drops below {@value #LOW_WATER}.
 *
 * <p>The input can also be fed from outside ({@link #awaitDemand}, {@link #offer}, {@link #inputEnded}) when one
 * stream outlives its stages, as stdin does. When the stage ends either way, the output is flushed and closed after
 * what was queued, and {@code onEnd} runs once on the loop (to destroy a process, close a file, ...).
 */
public final class StreamStage implements Stage {
    private static final Logger logger = LoggerFactory.getLogger(StreamStage.class);
    static final int CHUNK = 16384;
    static final int MAX_IN_FLIGHT = 4;
    static final long HIGH_WATER = 256 * 1024;
    static final long LOW_WATER = 64 * 1024;
    private static final Object END = new Object();

    private final EventLoop loop;
    private final String name;
    private final String description;
    private final @Nullable InputStream in;
    private final @Nullable OutputStream out;
    private final Runnable onEnd;
    private boolean halfClose;
    private boolean outputShut;

    // On the loop only.
    private @Nullable StageHandler handler;
    private boolean ended;
    private boolean unwritable;
    private boolean writerStarted;
    /** The input ended before {@link #bind}: told to the handler as soon as there is one. */
    private boolean endedEarly;
    private @Nullable Throwable earlyCause;

    // Shared with the thread that reads; guarded by lock.
    private final Object lock = new Object();
    private boolean reading;
    private boolean stopped;
    private int inFlight;

    // Shared with the writer thread.
    private final LinkedBlockingQueue<Object> writes = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private volatile boolean writerDead;

    /**
     * Creates a stage; nothing is read before {@link #bind}.
     *
     * @param loop        the session's loop
     * @param name        for logs, e.g. the session name
     * @param description what {@link #describe()} returns
     * @param in          read by a thread of this stage, or null when fed from outside or write-only
     * @param out         written by a thread of this stage and closed at the end, or null when read-only
     * @param onEnd       runs once on the loop when the stage ends, closed by the engine or by its peer
     */
    public StreamStage(EventLoop loop, String name, String description, @Nullable InputStream in,
                       @Nullable OutputStream out, Runnable onEnd) {
        this.loop = loop;
        this.name = name;
        this.description = description;
        this.in = in;
        this.out = out;
        this.onEnd = onEnd;
    }

    /**
     * Lets {@link #shutdownOutput()} close {@code out} before the stage ends (a process's stdin, a FIFO), so that the
     * peer sees the end of its input and may answer the rest; returns this. Off by default: stdout is never closed.
     */
    public StreamStage withHalfClose() {
        halfClose = true;
        return this;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public void bind(StageHandler h) {
        handler = h;
        if (endedEarly) {
            h.onClose(earlyCause);
            return;
        }
        if (ended) {
            return;
        }
        synchronized (lock) {
            reading = true;
            lock.notifyAll();
        }
        final InputStream i = in;
        if (i != null) {
            try {
                BlockingIo.run(() -> readLoop(i));
            } catch (final RejectedExecutionException e) {
                peerClosed(e);
            }
        }
    }

    @Override
    public void write(ByteBuf msg) {
        if (ended || out == null || writerDead || outputShut) {
            msg.release();
            return;
        }
        final long q = queued.addAndGet(msg.readableBytes());
        writes.add(msg);
        if (!writerStarted) {
            writerStarted = true;
            BlockingIo.run(this::writeLoop);
        }
        if (q > HIGH_WATER) {
            unwritable = true;
        }
    }

    @Override
    public void flush() {
        // The writer thread flushes whenever its queue runs empty.
    }

    @Override
    public boolean isWritable() {
        return !unwritable;
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        synchronized (lock) {
            reading = autoRead && handler != null;
            lock.notifyAll();
        }
    }

    @Override
    public boolean shutdownOutput() {
        if (!halfClose || ended || out == null) {
            return false;
        }
        if (!outputShut) {
            outputShut = true;
            if (writerStarted && !writerDead) {
                // The writer closes the stream after what is queued, and stops.
                writes.add(END);
            } else if (!writerDead) {
                closeQuietly(out);
            }
        }
        return true;
    }

    @Override
    public void close(@Nullable Throwable cause) {
        end();
    }

    @Override
    public String describe() {
        return description;
    }

    // ------------------------------------------------------------------ input, from any thread

    /**
     * Blocks until the stage wants input: bound, not paused, and few chunks in flight. Returns false once the stage
     * has ended.
     */
    public boolean awaitDemand() throws InterruptedException {
        synchronized (lock) {
            while (!stopped && (!reading || inFlight >= MAX_IN_FLIGHT)) {
                lock.wait();
            }
            return !stopped;
        }
    }

    /** Returns true once the stage has ended. */
    public boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    /** Hands a chunk read from the input to the loop. Takes ownership; releases it when the stage has ended. */
    public void offer(ByteBuf chunk) {
        synchronized (lock) {
            if (stopped) {
                chunk.release();
                return;
            }
            inFlight++;
        }
        try {
            loop.execute(() -> deliver(chunk));
        } catch (final RejectedExecutionException e) {
            chunk.release();
        }
    }

    /** Tells that the input ended (null: end of stream) or failed; the stage then closes toward its handler. */
    public void inputEnded(@Nullable Throwable cause) {
        try {
            loop.execute(() -> peerClosed(cause));
        } catch (final RejectedExecutionException e) {
            // The loop is gone, and with it the session.
        }
    }

    private void deliver(ByteBuf chunk) {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
        final StageHandler h = handler;
        if (ended || h == null) {
            chunk.release();
            return;
        }
        h.onRead(chunk);
        h.onReadComplete();
    }

    private void readLoop(InputStream i) {
        final byte[] buf = new byte[CHUNK];
        try {
            while (awaitDemand()) {
                final int n = i.read(buf);
                if (n < 0) {
                    inputEnded(null);
                    return;
                }
                if (n > 0) {
                    offer(ByteBufAllocator.DEFAULT.buffer(n).writeBytes(buf, 0, n));
                }
            }
        } catch (final IOException e) {
            if (!isStopped()) {
                inputEnded(e);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ output, on the writer thread

    private void writeLoop() {
        final OutputStream o = out;
        try {
            while (true) {
                final Object m = writes.take();
                if (m == END) {
                    o.close();
                    return;
                }
                final ByteBuf b = (ByteBuf) m;
                final int n = b.readableBytes();
                try {
                    b.getBytes(b.readerIndex(), o, n);
                } finally {
                    b.release();
                }
                if (writes.isEmpty()) {
                    o.flush();
                }
                final long left = queued.addAndGet(-n);
                if (left <= LOW_WATER && left + n > LOW_WATER) {
                    loop.execute(this::maybeWritable);
                }
            }
        } catch (final IOException e) {
            writerDead = true;
            releaseWrites();
            loop.execute(() -> peerClosed(e));
        } catch (final InterruptedException e) {
            writerDead = true;
            releaseWrites();
            Thread.currentThread().interrupt();
        } catch (final RejectedExecutionException e) {
            writerDead = true;
            releaseWrites();
        }
    }

    private void releaseWrites() {
        Object m;
        while ((m = writes.poll()) != null) {
            if (m instanceof ByteBuf b) {
                b.release();
            }
        }
    }

    private void maybeWritable() {
        if (unwritable && queued.get() <= LOW_WATER) {
            unwritable = false;
            final StageHandler h = handler;
            if (h != null && !ended) {
                h.onWritabilityChanged(true);
            }
        }
    }

    // ------------------------------------------------------------------ end, on the loop

    private void peerClosed(@Nullable Throwable cause) {
        if (ended) {
            return;
        }
        if (cause != null) {
            logger.debug("{} stream {} failed: {}", name, description, cause.toString());
        }
        final StageHandler h = handler;
        end();
        if (h != null) {
            h.onClose(cause);
        } else {
            endedEarly = true;
            earlyCause = cause;
        }
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
        }
        if (outputShut) {
            // already closed, or being closed by the writer
        } else if (writerStarted && !writerDead) {
            writes.add(END);
        } else if (out != null) {
            releaseWrites();
            closeQuietly(out);
        }
        if (writerDead) {
            releaseWrites();
        }
        try {
            onEnd.run();
        } catch (final RuntimeException e) {
            logger.warn("{} cannot clean up {}: {}", name, description, e.toString());
        }
    }

    private void closeQuietly(OutputStream o) {
        try {
            o.close();
        } catch (final IOException e) {
            logger.debug("{} cannot close {}: {}", name, description, e.toString());
        }
    }
}
