package io.l7mp.internal.protocol.stdio;

import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.Future;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Stdio}: a cluster whose stage is the proxy's own stdin (what the session receives) and stdout (what the
 * session sends), as a byte stream. One session at a time owns them; another is refused with status 409 until it
 * ends. Not retriable. Stdin is read by one thread for the life of the process, since a blocked read cannot be
 * abandoned: bytes read after a session ended go to the next owner.
 */
public final class StdioProtocol implements ProtocolProvider {
    private static final Logger logger = LoggerFactory.getLogger(StdioProtocol.class);
    private static @Nullable Streams system;

    private final @Nullable Streams streams;

    /** Uses the process's stdin and stdout. */
    public StdioProtocol() {
        this.streams = null;
    }

    /**
     * Uses other streams in place of stdin and stdout, for embedding applications and tests; register it with
     * {@code L7mp.builder().protocol(...)}. {@code out} is flushed but never closed.
     */
    public StdioProtocol(InputStream in, OutputStream out) {
        this.streams = new Streams(Objects.requireNonNull(in, "in"), Objects.requireNonNull(out, "out"));
    }

    private Streams streams() {
        if (streams != null) {
            return streams;
        }
        synchronized (StdioProtocol.class) {
            if (system == null) {
                // The raw descriptors: System.out may be redirected by the application, and is line-buffered.
                system = new Streams(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
            }
            return system;
        }
    }

    @Override
    public String name() {
        return "Stdio";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean hasEndpoints() {
        return false;
    }

    @Override
    public boolean retriable() {
        return false;
    }

    @Override
    public boolean touchesLocalSystem() {
        return true;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return this::connect;
    }

    private Future<Stage> connect(ConnectRequest r) {
        final Streams s = streams();
        final StreamStage stage = s.claim(r);
        if (stage == null) {
            return r.eventLoop().newFailedFuture(new SessionError(409, "Stdio is in use by session " + s.ownerName()
                    + " (one session at a time)"));
        }
        return r.eventLoop().newSucceededFuture(stage);
    }

    /** One pair of streams, its owner and the thread that reads its input. */
    private static final class Streams {
        private final InputStream in;
        private final OutputStream out;
        private @Nullable StreamStage owner;
        private String ownerName = "";
        private byte @Nullable [] leftover;
        private boolean eof;
        private boolean pumping;

        Streams(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        synchronized String ownerName() {
            return ownerName;
        }

        /** Returns a stage owning the streams for this session, or null when another session owns them. */
        synchronized @Nullable StreamStage claim(ConnectRequest r) {
            if (owner != null) {
                return null;
            }
            final StreamStage[] self = new StreamStage[1];
            final StreamStage stage = new StreamStage(r.eventLoop(), r.sessionName(), "stdio", null,
                    new FilterOutputStream(out) {
                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            out.write(b, off, len);
                        }

                        @Override
                        public void close() throws IOException {
                            // The proxy's stdout outlives the session.
                            flush();
                        }
                    }, () -> release(self[0]));
            self[0] = stage;
            owner = stage;
            ownerName = r.sessionName();
            if (eof) {
                stage.inputEnded(null);
            } else if (!pumping) {
                pumping = true;
                BlockingIo.run(this::pump);
            }
            notifyAll();
            return stage;
        }

        private synchronized void release(StreamStage stage) {
            if (owner == stage) {
                owner = null;
                ownerName = "";
                notifyAll();
            }
        }

        private synchronized StreamStage awaitOwner() throws InterruptedException {
            while (owner == null) {
                wait();
            }
            return owner;
        }

        /** Reads the input for whichever stage owns it; never ends before the input does. */
        private void pump() {
            final byte[] buf = new byte[StreamStage.CHUNK];
            try {
                while (true) {
                    final StreamStage o = awaitOwner();
                    if (!o.awaitDemand()) {
                        continue;
                    }
                    byte[] kept;
                    synchronized (this) {
                        kept = leftover;
                        leftover = null;
                    }
                    if (kept == null) {
                        final int n = in.read(buf);
                        if (n < 0) {
                            final StreamStage last;
                            synchronized (this) {
                                eof = true;
                                last = owner;
                            }
                            if (last != null) {
                                last.inputEnded(null);
                            }
                            return;
                        }
                        kept = Arrays.copyOf(buf, n);
                    }
                    // The owner may have changed while the read blocked: the bytes belong to the current one.
                    final StreamStage now;
                    synchronized (this) {
                        now = owner;
                        if (now == null || now.isStopped()) {
                            leftover = kept;
                            continue;
                        }
                    }
                    now.offer(ByteBufAllocator.DEFAULT.buffer(kept.length).writeBytes(kept));
                }
            } catch (final IOException e) {
                logger.warn("Stdio: cannot read stdin: {}", e.toString());
                synchronized (this) {
                    eof = true;
                    if (owner != null) {
                        owner.inputEnded(e);
                    }
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
