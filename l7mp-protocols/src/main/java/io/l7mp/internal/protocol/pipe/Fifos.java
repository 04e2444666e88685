package io.l7mp.internal.protocol.pipe;

import io.l7mp.internal.protocol.stdio.BlockingIo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FIFO checks, creation, and the opening of both ends of a pipe. Opening a FIFO blocks until the other side opens it
 * too, so opens run on blocking-I/O threads, both ends at once (opening them one after the other could deadlock with
 * a peer that opens them in the other order), and can be cancelled by opening the FIFO ourselves, read-write, which
 * never blocks and releases the blocked open.
 */
final class Fifos {
    private static final Logger logger = LoggerFactory.getLogger(Fifos.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final long MKFIFO_TIMEOUT_SECONDS = 10;
    private static final int CANCEL_POKES = 200;
    private static final long CANCEL_POKE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Fifos() {
    }

    /** Returns {@code p} resolved against the working directory. */
    static Path path(String p) {
        return Path.of(p).toAbsolutePath().normalize();
    }

    /** Creates the FIFO at {@code p} when nothing is there; throws when something other than a FIFO is. Blocks. */
    static void ensure(String field, Path p) {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!isFifo(p)) {
                throw new IllegalStateException(field + ": \"" + p + "\" exists and is not a FIFO");
            }
            return;
        }
        final Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).redirectErrorStream(true).start();
        } catch (final IOException e) {
            throw new IllegalStateException(field + ": cannot run mkfifo for \"" + p + "\": " + e.getMessage(), e);
        }
        try {
            final String out = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!mk.waitFor(MKFIFO_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                mk.destroyForcibly();
                throw new IllegalStateException(field + ": mkfifo \"" + p + "\" did not finish");
            }
            // A concurrent creator may have won the race: what counts is that a FIFO is there now.
            if (mk.exitValue() != 0 && !isFifo(p)) {
                throw new IllegalStateException(field + ": cannot create FIFO \"" + p + "\": " + out);
            }
            logger.debug("created FIFO {}", p);
        } catch (final IOException e) {
            throw new IllegalStateException(field + ": cannot create FIFO \"" + p + "\": " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(field + ": interrupted while creating FIFO \"" + p + "\"", e);
        }
    }

    static boolean isFifo(Path p) {
        try {
            final Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return ((Integer) mode & S_IFMT) == S_IFIFO;
        } catch (final UnsupportedOperationException | IllegalArgumentException e) {
            // No "unix" attribute view: the best a portable check can say is "not a file, directory or link".
            try {
                return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
            } catch (final IOException x) {
                return false;
            }
        } catch (final IOException e) {
            return false;
        }
    }

    /** Both ends of a pipe, being opened. */
    static final class Ends {
        private final @Nullable Path input;
        private final @Nullable Path output;
        private final CompletableFuture<Ends> done = new CompletableFuture<>();
        private volatile @Nullable FileChannel in;
        private volatile @Nullable FileChannel out;
        private volatile boolean cancelled;
        private volatile boolean inputOpening;
        private volatile boolean outputOpening;
        private int left;

        private Ends(@Nullable Path input, @Nullable Path output) {
            this.input = input;
            this.output = output;
        }

        /**
         * Creates missing FIFOs and opens {@code input} for reading and {@code output} for writing (either may be
         * null); the future completes when both are open, that is when a peer has opened their other ends.
         */
        static Ends open(@Nullable Path input, @Nullable Path output) {
            final Ends e = new Ends(input, output);
            e.left = (input == null ? 0 : 1) + (output == null ? 0 : 1);
            if (input != null) {
                e.inputOpening = true;
                BlockingIo.run(() -> e.openOne(input, true));
            }
            if (output != null) {
                e.outputOpening = true;
                BlockingIo.run(() -> e.openOne(output, false));
            }
            return e;
        }

        CompletableFuture<Ends> future() {
            return done;
        }

        @Nullable FileChannel in() {
            return in;
        }

        @Nullable FileChannel out() {
            return out;
        }

        private void openOne(Path p, boolean read) {
            try {
                ensure(read ? "input" : "output", p);
                final FileChannel ch = cancelled ? null
                        : FileChannel.open(p, read ? StandardOpenOption.READ : StandardOpenOption.WRITE);
                if (read) {
                    in = ch;
                    inputOpening = false;
                } else {
                    out = ch;
                    outputOpening = false;
                }
                if (cancelled) {
                    closeQuietly(ch);
                    return;
                }
                synchronized (this) {
                    if (--left > 0) {
                        return;
                    }
                }
                done.complete(this);
            } catch (final IOException | RuntimeException e) {
                if (read) {
                    inputOpening = false;
                } else {
                    outputOpening = false;
                }
                done.completeExceptionally(e);
                cancel();
            }
        }

        /** Stops waiting for a peer and closes whatever was opened. Blocks briefly; call off the event loop. */
        void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            done.completeExceptionally(new IllegalStateException("cancelled"));
            BlockingIo.run(() -> {
                for (int i = 0; i < CANCEL_POKES && (inputOpening || outputOpening); i++) {
                    if (inputOpening) {
                        poke(input);
                    }
                    if (outputOpening) {
                        poke(output);
                    }
                    LockSupport.parkNanos(CANCEL_POKE_NANOS);
                }
                closeQuietly(in);
                closeQuietly(out);
            });
        }

        private static void poke(@Nullable Path p) {
            if (p == null) {
                return;
            }
            try {
                FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
            } catch (final IOException e) {
                logger.debug("cannot release a blocked open of {}: {}", p, e.toString());
            }
        }
    }

    static void closeQuietly(@Nullable FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (final IOException e) {
                logger.debug("cannot close FIFO: {}", e.toString());
            }
        }
    }
}
