package io.l7mp.internal.protocol;

import io.l7mp.spi.PeerReset;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.l7mp.spi.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A plain TCP connection (no TLS, no framing) on an epoll loop, driven by the loop directly: a socket with an
 * {@link EpollIoHandle} of its own instead of a Netty channel and its pipeline. The socket is registered once, for
 * reading, writing and the peer's end of stream, edge-triggered, and never changed after; its addresses are looked up
 * once; half-close and close go straight to the socket. A proxied connection costs about half the syscalls of two
 * Netty epoll channels, and less code for the JIT to compile before new connections run at full speed.
 *
 * <p>It behaves as {@link io.l7mp.spi.ChannelStage} does over a plain TCP channel: nothing is read before
 * {@link #bind}, the peer's half-close is passed on and ours is sent once what is queued has gone out, a graceful
 * {@link #close} still delivers what is queued (for at most {@code l7mp.closeDrainMillis}), and a peer still sending
 * when the session ends is read to its end of stream before the socket closes, so that it is not reset.
 * {@code -Dl7mp.tcp.raw=false} turns it off (TCP then runs on Netty channels, as it does on NIO).
 */
final class RawTcpStage implements Stage, EpollIoHandle {
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("l7mp.tcp.raw", "true"));
    private static final long DRAIN_MILLIS = Long.getLong("l7mp.closeDrainMillis", 10_000);
    /** Netty's epoll constants lack EPOLLHUP, which the kernel reports whether asked or not. */
    private static final int EPOLLHUP = 0x10;
    static final EpollIoOps EVENTS =
            EpollIoOps.valueOf(Native.EPOLLIN | Native.EPOLLOUT | Native.EPOLLRDHUP | Native.EPOLLET);
    /** Reads per wake-up before other sockets of the loop get their turn (as Netty's default). */
    private static final int MAX_READS = 16;
    private static final int MIN_READ = 1024;
    private static final int MAX_READ = 64 * 1024;
    /** Netty's default write-buffer water marks. */
    private static final int HIGH_WATER = 64 * 1024;
    private static final int LOW_WATER = 32 * 1024;
    private static final FastThreadLocal<IovArray> IOV = new FastThreadLocal<>() {
        @Override
        protected IovArray initialValue() {
            return new IovArray();
        }

        @Override
        protected void onRemoval(IovArray value) {
            value.release();
        }
    };

    private final EventLoop loop;
    private final Socket socket;
    private final InetSocketAddress remote;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final ArrayDeque<ByteBuf> out = new ArrayDeque<>(4);
    private final Runnable readTask = this::readLater;
    private @Nullable IoRegistration registration;
    private @Nullable StageHandler handler;
    private @Nullable Consumer<@Nullable Throwable> closeBeforeBind;
    private @Nullable Throwable pendingCause;
    private @Nullable Promise<Stage> connecting;
    private @Nullable ScheduledFuture<?> timer;
    private long pending;
    private int readSize = 2048;
    private int smallReads;
    private boolean connected;
    private boolean fdClosed;
    /** Closed by the engine, or the peer went away: no more writes, no more calls into the handler. */
    private boolean closed;
    private boolean engineClosed;
    private boolean notified;
    private boolean autoRead = true;
    /** Readable data may be waiting that no edge will announce again (edge-triggered). */
    private boolean readPending;
    private boolean readScheduled;
    /** The peer's end of stream was announced: read until it is seen. */
    private boolean rdhup;
    /** An error event came: a reset that came with the peer's end of stream is only seen once that has been read. */
    private boolean errorSeen;
    private boolean inputShut;
    private boolean outputShut;
    private boolean shutdownPending;
    private boolean writable = true;
    /** Closed gracefully, waiting for the queue to go out. */
    private boolean draining;
    /** Output shut after a graceful close; what the peer still sends is dropped until its end of stream. */
    private boolean lingering;

    private RawTcpStage(EventLoop loop, Socket socket, InetSocketAddress remote, boolean connected) {
        this.loop = loop;
        this.socket = socket;
        this.remote = remote;
        this.connected = connected;
    }

    /** Whether {@code transport}'s loops can run raw TCP stages (epoll, not turned off). */
    static boolean usable(Transport transport) {
        return ENABLED && transport.socketChannelType() == EpollSocketChannel.class;
    }

    /** Whether {@code loop} can register raw TCP stages. */
    static boolean usable(EventLoop loop) {
        return ENABLED && loop instanceof IoEventLoop io && io.isCompatible(RawTcpStage.class);
    }

    /** Wraps an accepted, non-blocking socket; call on {@code loop}. Returns null (socket closed) on failure. */
    static @Nullable RawTcpStage accepted(EventLoop loop, Socket socket, InetSocketAddress remote) {
        final RawTcpStage s = new RawTcpStage(loop, socket, remote, true);
        return s.register() ? s : null;
    }

    /**
     * Connects to {@code remote} from {@code loop}; the future completes with the stage once connected, or fails with
     * a {@link SessionError} (502 for a refusal, 504 for a timeout).
     */
    static Future<Stage> connect(EventLoop loop, InetSocketAddress remote, long timeoutMillis) {
        final Promise<Stage> p = loop.newPromise();
        final Socket s;
        try {
            s = StreamSocket.open(remote.getAddress() instanceof Inet6Address);
        } catch (final RuntimeException e) {
            return p.setFailure(new SessionError(502, "cannot open a socket to " + Net.hostPort(remote) + ": "
                    + Net.reason(e.getCause() != null ? e.getCause() : e), e));
        }
        final RawTcpStage stage = new RawTcpStage(loop, s, remote, false);
        stage.connecting = p;
        if (loop.inEventLoop()) {
            stage.startConnect(timeoutMillis);
        } else {
            try {
                loop.execute(() -> stage.startConnect(timeoutMillis));
            } catch (final RejectedExecutionException e) {
                // The loop has shut down: nothing would ever connect the socket, or close it. Not the loop's promise,
                // whose listeners a dead loop would never run.
                stage.connecting = null;
                stage.closeFd();
                return ImmediateEventExecutor.INSTANCE.newFailedFuture(
                        Net.connectFailure(remote, new ConnectException("the event loop has shut down"), 502));
            }
        }
        return p;
    }

    private void startConnect(long timeoutMillis) {
        try {
            socket.setTcpNoDelay(true);
            if (socket.connect(remote)) {
                connected = true;
            }
        } catch (final IOException e) {
            closeFd();
            failConnect(e);
            return;
        }
        if (!register()) {
            failConnect(new ConnectException("cannot register the socket"));
            return;
        }
        if (connected) {
            connectDone();
        } else {
            timer = loop.schedule(() -> {
                if (!connected && !fdClosed) {
                    closeFd();
                    failConnect(new ConnectTimeoutException("connection timed out after " + timeoutMillis + " ms"));
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void failConnect(Throwable cause) {
        final Promise<Stage> p = connecting;
        connecting = null;
        if (p != null) {
            p.tryFailure(Net.connectFailure(remote, cause, cause instanceof ConnectException
                    && !(cause instanceof ConnectTimeoutException) ? 502 : 504));
        }
    }

    private void connectDone() {
        cancelTimer();
        final Promise<Stage> p = connecting;
        connecting = null;
        if (p == null || !p.trySuccess(this)) {
            // The session gave up meanwhile.
            closeFd();
            return;
        }
        if (!out.isEmpty()) {
            flush0();
        }
    }

    /** Registers with the loop for every event it will ever want; on failure closes the socket. */
    private boolean register() {
        try {
            final Future<IoRegistration> f = ((IoEventLoop) loop).register(this);
            final IoRegistration r = f.getNow();
            if (r == null) {
                throw new IOException(f.cause() == null ? "not registered" : f.cause().toString());
            }
            registration = r;
            r.submit(EVENTS);
            return true;
        } catch (final IOException | RuntimeException e) {
            closeFd();
            return false;
        }
    }

    /** Returns the peer's address. */
    InetSocketAddress remoteAddress() {
        return remote;
    }

    /** Returns whether Nagle's algorithm is off on the socket. */
    boolean tcpNoDelay() throws IOException {
        return socket.isTcpNoDelay();
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        final int ops = ((EpollIoEvent) event).ops().value();
        if (fdClosed) {
            return;
        }
        if ((ops & (Native.EPOLLOUT | Native.EPOLLERR | EPOLLHUP)) != 0) {
            if (!connected) {
                finishConnect();
                if (!connected) {
                    return;
                }
            } else if (!out.isEmpty()) {
                flush0();
            }
        }
        if ((ops & (Native.EPOLLRDHUP | EPOLLHUP)) != 0) {
            rdhup = true;
        }
        if ((ops & (Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLERR | EPOLLHUP)) != 0 && !fdClosed) {
            readReady((ops & Native.EPOLLERR) != 0);
        }
    }

    private void finishConnect() {
        try {
            // SO_ERROR, even when the event carries no error: the event may be meant for an earlier socket that had
            // this descriptor number and was closed in the same round of events.
            if (!socket.finishConnect()) {
                return;
            }
        } catch (final IOException e) {
            closeFd();
            failConnect(e);
            return;
        }
        connected = true;
        connectDone();
    }

    private void readReady(boolean error) {
        if (inputShut) {
            if (error) {
                resetAfterInputShutdown();
            }
            return;
        }
        if (error) {
            errorSeen = true;
        }
        if (lingering || draining) {
            // Closed by the engine: what the peer still sends is dropped, so that it does not stall writing to us
            // while we wait for it to read what is queued.
            drainInput();
            return;
        }
        if (handler == null && !closed) {
            readPending = true;
            if (error) {
                // A reset before the session is ready: tell whoever waits on it (onCloseBeforeBind).
                final int e = soError();
                if (e != 0) {
                    notifyClose(Errors.newIOException("read", -e));
                }
            }
            return;
        }
        if (closed || !autoRead) {
            readPending = true;
            return;
        }
        read();
    }

    /**
     * Nothing is left to read, but a reset after the peer's half-close still ends the connection: with nothing queued
     * for the peer no write would find out, and the session would wait for an answer nobody takes. Everything the peer
     * sent was delivered, so its stage ends as on a close, not as a failure: what the other side still has queued (a
     * server's answer, sent before it reset a client's unread request) goes out before that side closes.
     */
    private void resetAfterInputShutdown() {
        if (soError() != 0) {
            if (closed) {
                closeFd();
            } else {
                notifyClose(null);
            }
        }
    }

    private int soError() {
        try {
            return socket.getSoError();
        } catch (final IOException e) {
            return 0;
        }
    }

    private void readLater() {
        readScheduled = false;
        if (!closed && !fdClosed && autoRead && handler != null && readPending) {
            read();
        }
    }

    private void scheduleRead() {
        if (!readScheduled) {
            readScheduled = true;
            loop.execute(readTask);
        }
    }

    private void read() {
        readPending = false;
        final StageHandler h = handler;
        boolean eof = false;
        int reads = 0;
        for (;;) {
            final ByteBuf buf = alloc.directBuffer(readSize);
            final int cap = buf.writableBytes();
            final int n;
            try {
                n = recv(buf);
            } catch (final IOException e) {
                buf.release();
                fail(e);
                return;
            }
            if (n <= 0) {
                buf.release();
                eof = n < 0;
                break;
            }
            buf.writerIndex(buf.writerIndex() + n);
            final boolean full = n == cap;
            size(full, n);
            h.onRead(buf);
            if (closed || fdClosed) {
                return;
            }
            // Edge-triggered: a short read emptied the socket, and new data raises a new edge. Only the peer's end of
            // stream, announced but not yet read, needs one more read.
            if (!full && !rdhup) {
                break;
            }
            if (++reads == MAX_READS || !autoRead) {
                readPending = true;
                if (autoRead) {
                    scheduleRead();
                }
                break;
            }
        }
        h.onReadComplete();
        if (eof && !closed && !fdClosed) {
            inputShut = true;
            h.onInputShutdown();
            if (errorSeen && !fdClosed) {
                // The reset may have come with the end of stream, in one wake-up: the kernel reports the end first,
                // and no later event will tell of the reset.
                resetAfterInputShutdown();
            }
        }
    }

    /** Reads into {@code buf}'s free space: bytes read, 0 when there is nothing to read, -1 at the end of stream. */
    private int recv(ByteBuf buf) throws IOException {
        if (buf.hasMemoryAddress()) {
            return socket.recvAddress(buf.memoryAddress(), buf.writerIndex(), buf.capacity());
        }
        final ByteBuffer nio = buf.internalNioBuffer(buf.writerIndex(), buf.writableBytes());
        return socket.recv(nio, nio.position(), nio.limit());
    }

    /** Grows the read size at once when a read fills it, shrinks it after a run of small reads (as Netty's). */
    private void size(boolean full, int n) {
        if (full) {
            smallReads = 0;
            if (readSize < MAX_READ) {
                readSize <<= 1;
            }
        } else if (n <= readSize >>> 2 && readSize > MIN_READ) {
            if (++smallReads == 4) {
                smallReads = 0;
                readSize >>>= 1;
            }
        } else {
            smallReads = 0;
        }
    }

    /**
     * Drops what the peer still sends. At its end of stream a lingering stage closes; a draining one (still writing
     * out its queue) goes on until the queue is written.
     */
    private void drainInput() {
        final ByteBuf buf = alloc.directBuffer(MAX_READ);
        try {
            for (int i = 0; i < MAX_READS; i++) {
                final int n = recv(buf);
                if (n < 0) {
                    inputShut = true;
                    if (lingering) {
                        closeFd();
                    }
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
            scheduleDrain();
        } catch (final IOException e) {
            closeFd();
        } finally {
            buf.release();
        }
    }

    private void scheduleDrain() {
        loop.execute(() -> {
            if ((lingering || draining) && !fdClosed && !inputShut) {
                drainInput();
            }
        });
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
        closeBeforeBind = null;
        if (notified) {
            // The peer went away before the session was ready: tell it now, once.
            if (!engineClosed) {
                h.onClose(pendingCause);
            }
            return;
        }
        if (readPending || rdhup) {
            readPending = true;
            scheduleRead();
        }
    }

    @Override
    public void write(ByteBuf msg) {
        if (closed || outputShut || shutdownPending || !msg.isReadable()) {
            msg.release();
            return;
        }
        ByteBuf m = msg;
        if (!m.hasMemoryAddress() && (!m.isDirect() || m.nioBufferCount() != 1)) {
            // Heap or composite buffers (from a transform): the socket writes from native memory.
            m = alloc.directBuffer(msg.readableBytes());
            m.writeBytes(msg);
            msg.release();
        }
        out.add(m);
        pending += m.readableBytes();
        if (writable && pending > HIGH_WATER) {
            writable = false;
            final StageHandler h = handler;
            if (h != null) {
                h.onWritabilityChanged(false);
            }
        }
    }

    @Override
    public void flush() {
        if (connected && !fdClosed && !out.isEmpty()) {
            flush0();
        }
    }

    private void flush0() {
        while (!out.isEmpty()) {
            final long n;
            try {
                n = out.size() == 1 ? writeOne(out.peek()) : writeMany();
            } catch (final IOException e) {
                fail(e);
                return;
            }
            if (n == 0) {
                // The socket buffer is full; the registered EPOLLOUT edge resumes.
                return;
            }
            consume(n);
        }
        if (shutdownPending) {
            shutdownNow();
        }
        if (draining && !fdClosed) {
            drained();
        }
    }

    private int writeOne(ByteBuf b) throws IOException {
        if (b.hasMemoryAddress()) {
            return socket.writeAddress(b.memoryAddress(), b.readerIndex(), b.writerIndex());
        }
        final ByteBuffer nio = b.internalNioBuffer(b.readerIndex(), b.readableBytes());
        return socket.write(nio, nio.position(), nio.limit());
    }

    private long writeMany() throws IOException {
        final IovArray iov = IOV.get();
        iov.clear();
        for (final ByteBuf b : out) {
            if (!iov.add(b, b.readerIndex(), b.readableBytes())) {
                break;
            }
        }
        return socket.writevAddresses(iov.memoryAddress(0), iov.count());
    }

    private void consume(long written) {
        pending -= written;
        long n = written;
        while (n > 0) {
            final ByteBuf b = out.peek();
            final int r = b.readableBytes();
            if (r <= n) {
                out.poll();
                b.release();
                n -= r;
            } else {
                b.skipBytes((int) n);
                n = 0;
            }
        }
        if (!writable && pending <= LOW_WATER) {
            writable = true;
            final StageHandler h = handler;
            if (h != null && !closed) {
                h.onWritabilityChanged(true);
            }
        }
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public void setAutoRead(boolean on) {
        if (closed) {
            return;
        }
        autoRead = on;
        if (on && readPending && handler != null) {
            scheduleRead();
        }
    }

    @Override
    public boolean shutdownOutput() {
        if (closed || fdClosed || !connected || outputShut || shutdownPending) {
            return false;
        }
        shutdownPending = true;
        if (out.isEmpty()) {
            shutdownNow();
        } else {
            flush0();
        }
        return true;
    }

    private void shutdownNow() {
        shutdownPending = false;
        outputShut = true;
        try {
            socket.shutdown(false, true);
        } catch (final IOException e) {
            // The peer reset the connection meanwhile: nothing more can reach it.
            notifyClose(null);
            closeFd();
        }
    }

    @Override
    public void close(@Nullable Throwable cause) {
        closeBeforeBind = null;
        engineClosed = true;
        if (closed) {
            return;
        }
        closed = true;
        if (fdClosed) {
            return;
        }
        if (cause != null && connected && PeerReset.is(cause)) {
            reset();
            return;
        }
        if (cause != null || !connected) {
            closeFd();
            return;
        }
        draining = true;
        flush0();
        if (fdClosed || !draining) {
            return;
        }
        // A slow reader has not taken it all yet: close once it has, bounded for a peer that never reads.
        timer = loop.schedule(this::closeFd, DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        if (readPending && !inputShut) {
            // Unread input no new edge will announce: a peer blocked writing it would never read our queue.
            drainInput();
        }
    }

    /**
     * Another stage's peer reset its connection: what it sent before goes out as far as the socket takes it now, then
     * this connection is reset too (SO_LINGER 0), so that our peer does not take a FIN for the end of a stream that
     * was cut short. No end of stream goes out first, even one that waited for the queue.
     */
    private void reset() {
        shutdownPending = false;
        if (!out.isEmpty()) {
            flush0();
        }
        if (fdClosed) {
            return;
        }
        try {
            socket.setSoLinger(0);
        } catch (final IOException e) {
            // The connection is gone already: it closes all the same.
        }
        closeFd();
    }

    /** A gracefully closed stage whose queue went out. */
    private void drained() {
        draining = false;
        if (inputShut) {
            closeFd();
            return;
        }
        // The peer may still be sending: closing with unread input would reset the connection and lose the end of
        // what was forwarded, also after our end of stream went out with it (a half-close passed on, then the
        // session ended: the reset would drop what the peer had not read of the answer yet). Send our end of stream
        // if it has not gone out, drop what comes in, close on the peer's end of stream.
        if (!outputShut) {
            try {
                socket.shutdown(false, true);
            } catch (final IOException e) {
                closeFd();
                return;
            }
            outputShut = true;
        }
        lingering = true;
        if (timer == null) {
            timer = loop.schedule(this::closeFd, DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        }
        drainInput();
    }

    private void fail(IOException e) {
        if (closed) {
            closeFd();
            return;
        }
        notifyClose(e);
    }

    /** Tells the handler once that the stage is gone, unless the engine closed it; before bind, at bind. */
    private void notifyClose(@Nullable Throwable cause) {
        if (notified || closed) {
            return;
        }
        notified = true;
        closed = true;
        closeFd();
        final StageHandler h = handler;
        if (h != null) {
            h.onClose(cause);
            return;
        }
        pendingCause = cause;
        final Consumer<@Nullable Throwable> l = closeBeforeBind;
        if (l != null) {
            closeBeforeBind = null;
            l.accept(cause);
        }
    }

    private void cancelTimer() {
        final ScheduledFuture<?> t = timer;
        if (t != null) {
            timer = null;
            t.cancel(false);
        }
    }

    /** Closes the socket first, so that the loop's deregistration has no epoll entry left to remove. */
    private void closeFd() {
        if (fdClosed) {
            return;
        }
        fdClosed = true;
        lingering = false;
        draining = false;
        cancelTimer();
        ByteBuf b;
        while ((b = out.poll()) != null) {
            b.release();
        }
        pending = 0;
        try {
            socket.close();
        } catch (final IOException e) {
            // Closed all the same.
        }
        final IoRegistration r = registration;
        if (r != null) {
            r.cancel();
        }
    }

    @Override
    public void onCloseBeforeBind(Consumer<@Nullable Throwable> listener) {
        if (handler != null) {
            return;
        }
        if (notified) {
            listener.accept(pendingCause);
        } else {
            closeBeforeBind = listener;
        }
    }

    /** The loop is shutting down. */
    @Override
    public void close() {
        if (connecting != null) {
            // A connect still under way: its future fails instead of waiting for an event that no loop will deliver.
            closeFd();
            failConnect(new ConnectException("the event loop has shut down"));
            return;
        }
        notifyClose(null);
        closeFd();
    }

    @Override
    public String describe() {
        final String h = remote.getAddress() == null ? remote.getHostString() : remote.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + remote.getPort();
    }

    @Override
    public String toString() {
        return "RawTcpStage{" + describe() + ", fd=" + socket.intValue() + "}";
    }

    /** Opens stream sockets of a chosen family: IPv4 for an IPv4 peer spares the dual-stack setup. */
    private static final class StreamSocket extends Socket {
        private StreamSocket(int fd) {
            super(fd);
        }

        static Socket open(boolean ipv6) {
            return new StreamSocket(newSocketStream0(ipv6));
        }
    }
}
