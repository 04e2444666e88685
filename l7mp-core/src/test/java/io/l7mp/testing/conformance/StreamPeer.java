package io.l7mp.testing.conformance;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Peer} over a pair of blocking streams: a TCP or TLS socket, a Unix stream socket, FIFOs, a process's pipes.
 * A reader thread reads one unit (a chunk, or a length-prefixed frame) only when {@link #receive} asks for one, so
 * not calling it really stops reading and lets the transport push back.
 */
public final class StreamPeer implements Peer {
    /** How the stream is cut into messages. */
    public enum Framing {
        /** A plain byte stream: a message is whatever one read returns. */
        NONE,
        /** Each message is a 4-byte big-endian length and that many bytes (l7mp's {@code framing: length-prefixed}). */
        LENGTH_PREFIXED
    }

    /** Half-closes the sending side of a connection. */
    @FunctionalInterface
    public interface Shutdown {
        /** Ends the output. */
        void shutdownOutput() throws IOException;
    }

    private static final int CHUNK = 65536;

    private final InputStream in;
    private final OutputStream out;
    private final Closeable closer;
    private final @Nullable Shutdown shutdown;
    private final Framing framing;
    private final ExecutorService reader;
    private @Nullable Future<byte @Nullable []> pending;
    private boolean ended;
    private volatile @Nullable IOException endCause;

    /**
     * Wraps {@code in} and {@code out}; {@code closer} closes the connection, {@code shutdown} half-closes it (null:
     * the transport cannot).
     */
    public StreamPeer(InputStream in, OutputStream out, Closeable closer, @Nullable Shutdown shutdown,
                      Framing framing) {
        this.in = in;
        this.out = out;
        this.closer = closer;
        this.shutdown = shutdown;
        this.framing = framing;
        this.reader = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "conformance-peer-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /** Small socket buffers for test peers, so that the kernel holds little and a sender is pushed back soon. */
    public static final int SOCKET_BUFFER = 65536;

    /** Connects a TCP client to 127.0.0.1:{@code port}, with small socket buffers. */
    public static StreamPeer connectTcp(int port, Framing framing) throws IOException {
        final Socket s = new Socket();
        s.setReceiveBufferSize(SOCKET_BUFFER);
        s.setSendBufferSize(SOCKET_BUFFER);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        return of(s, framing);
    }

    /** Wraps a connected TCP (or TLS) socket. */
    public static StreamPeer of(Socket s, Framing framing) throws IOException {
        final boolean tls = s instanceof javax.net.ssl.SSLSocket;
        // SSLSocket cannot half-close reliably (TLS 1.3 close_notify ends both directions in the JDK).
        return new StreamPeer(s.getInputStream(), s.getOutputStream(), s, tls ? null : s::shutdownOutput, framing);
    }

    /** Wraps a connected blocking {@link SocketChannel} (TCP or Unix). */
    public static StreamPeer of(SocketChannel ch, Framing framing) {
        return new StreamPeer(inputOf(ch), outputOf(ch), ch, ch::shutdownOutput, framing);
    }

    /**
     * Returns an input stream reading {@code ch} directly. {@link java.nio.channels.Channels#newInputStream} would
     * hold the channel's blocking lock while a read waits, and so block every write on the same channel.
     */
    public static InputStream inputOf(SocketChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                final byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return ch.read(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    /** Returns an output stream writing {@code ch} directly (see {@link #inputOf}). */
    public static OutputStream outputOf(SocketChannel ch) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                final ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    @Override
    public void send(byte[] data) throws IOException {
        if (framing == Framing.LENGTH_PREFIXED) {
            final byte[] head = ByteBuffer.allocate(4).putInt(data.length).array();
            out.write(head);
        }
        out.write(data);
        out.flush();
    }

    @Override
    public synchronized byte @Nullable [] receive(Duration timeout) throws IOException {
        if (ended) {
            return null;
        }
        Future<byte @Nullable []> f = pending;
        if (f == null) {
            f = reader.submit(this::readOne);
            pending = f;
        }
        try {
            final byte[] b = f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            pending = null;
            if (b == null) {
                ended = true;
            }
            return b;
        } catch (final TimeoutException e) {
            throw new SocketTimeoutException("nothing received within " + timeout.toMillis() + " ms");
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (final ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** Returns why the stream ended when it ended with an error (a reset), or null. */
    public @Nullable IOException endCause() {
        return endCause;
    }

    private byte @Nullable [] readOne() {
        try {
            if (framing == Framing.LENGTH_PREFIXED) {
                final DataInputStream d = new DataInputStream(in);
                final int len;
                try {
                    len = d.readInt();
                } catch (final EOFException e) {
                    return null;
                }
                final byte[] b = new byte[len];
                d.readFully(b);
                return b;
            }
            final byte[] b = new byte[CHUNK];
            final int n = in.read(b);
            return n < 0 ? null : Arrays.copyOf(b, n);
        } catch (final IOException e) {
            // A reset or a truncated frame: the other side is gone all the same.
            endCause = e;
            return null;
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (shutdown == null) {
            Peer.super.shutdownOutput();
            return;
        }
        out.flush();
        shutdown.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        try {
            closer.close();
        } finally {
            reader.shutdownNow();
        }
    }
}
