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
 * A reader thread reads one message (a chunk, a length-prefixed frame, what a {@link Codec} makes of the stream) only
 * when {@link #receive} asks for one, so not calling it really stops reading and lets the transport push back.
 */
public final class StreamPeer implements Peer {
    /** Cuts a stream into messages and writes messages onto it. */
    public interface Codec {
        /** Reads one message (blocking), or returns null at the end of the stream. */
        byte @Nullable [] read(InputStream in) throws IOException;

        /** Writes one message. */
        void write(OutputStream out, byte[] data) throws IOException;
    }

    /** How a plain stream is cut into messages. */
    public enum Framing implements Codec {
        /** A plain byte stream: a message is whatever one read returns. */
        NONE {
            @Override
            public byte @Nullable [] read(InputStream in) throws IOException {
                final byte[] b = new byte[CHUNK];
                final int n = in.read(b);
                return n < 0 ? null : Arrays.copyOf(b, n);
            }

            @Override
            public void write(OutputStream out, byte[] data) throws IOException {
                out.write(data);
            }
        },
        /** Each message is a 4-byte big-endian length and that many bytes (l7mp's {@code framing: length-prefixed}). */
        LENGTH_PREFIXED {
            @Override
            public byte @Nullable [] read(InputStream in) throws IOException {
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

            @Override
            public void write(OutputStream out, byte[] data) throws IOException {
                // One write: a header sent alone would wait for an ACK (Nagle) on sockets without TCP_NODELAY.
                out.write(ByteBuffer.allocate(4 + data.length).putInt(data.length).put(data).array());
            }
        }
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
    private final Codec codec;
    private final ExecutorService reader;
    private @Nullable Future<byte @Nullable []> pending;
    private boolean ended;
    private volatile @Nullable IOException endCause;

    /**
     * Wraps {@code in} and {@code out}; {@code closer} closes the connection, {@code shutdown} half-closes it (null:
     * the transport cannot), {@code codec} cuts the stream into messages.
     */
    public StreamPeer(InputStream in, OutputStream out, Closeable closer, @Nullable Shutdown shutdown,
                      Codec codec) {
        this.in = in;
        this.out = out;
        this.closer = closer;
        this.shutdown = shutdown;
        this.codec = codec;
        this.reader = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "conformance-peer-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Socket buffers of test peers: small, so that the kernel holds little and a sender is pushed back soon, but a
     * few loopback segments (64 KiB) large, or TCP waits for its persist timer instead of updating a small window.
     */
    public static final int SOCKET_BUFFER = 256 * 1024;

    /** Connects a TCP client to 127.0.0.1:{@code port}, with small socket buffers. */
    public static StreamPeer connectTcp(int port, Codec framing) throws IOException {
        final Socket s = new Socket();
        s.setReceiveBufferSize(SOCKET_BUFFER);
        s.setSendBufferSize(SOCKET_BUFFER);
        s.setTcpNoDelay(true);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        return of(s, framing);
    }

    /** Wraps a connected TCP (or TLS) socket. */
    public static StreamPeer of(Socket s, Codec framing) throws IOException {
        final boolean tls = s instanceof javax.net.ssl.SSLSocket;
        // SSLSocket cannot half-close reliably (TLS 1.3 close_notify ends both directions in the JDK).
        return new StreamPeer(s.getInputStream(), s.getOutputStream(), s, tls ? null : s::shutdownOutput, framing);
    }

    /** Wraps a connected blocking {@link SocketChannel} (TCP or Unix). */
    public static StreamPeer of(SocketChannel ch, Codec framing) {
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
        codec.write(out, data);
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
            return codec.read(in);
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
