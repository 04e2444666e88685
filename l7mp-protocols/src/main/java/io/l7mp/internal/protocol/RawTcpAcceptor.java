package io.l7mp.internal.protocol;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.NativeInetAddress;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening TCP socket on one epoll loop (each loop has its own, {@code SO_REUSEPORT}), handing every accepted
 * connection to its callback as a {@link RawTcpStage} on the same loop. Level-triggered: what one wake-up leaves in
 * the backlog wakes the loop again.
 */
final class RawTcpAcceptor implements EpollIoHandle {
    private static final Logger logger = LoggerFactory.getLogger(RawTcpAcceptor.class);
    private static final int BACKLOG = 4096;
    private static final int ACCEPTS_PER_WAKEUP = 64;
    /** How long accepting pauses when the process is out of file descriptors (the backlog would wake it at once). */
    private static final long PAUSE_MILLIS = 100;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String name;
    private final EventLoop loop;
    private final Socket socket;
    private final InetSocketAddress local;
    /** The bound address is a wildcard: the local address of a connection must be asked of its socket. */
    private final boolean wildcard;
    private final BiConsumer<RawTcpStage, InetSocketAddress> onAccept;
    /** Written by accept(2): a length byte, then the peer's address and port. */
    private final byte[] addr = new byte[26];
    private @Nullable IoRegistration registration;
    private boolean closed;
    private long warnedAt = System.nanoTime() - WARN_INTERVAL_NANOS;

    private RawTcpAcceptor(String name, EventLoop loop, Socket socket, InetSocketAddress local,
                           BiConsumer<RawTcpStage, InetSocketAddress> onAccept) {
        this.name = name;
        this.loop = loop;
        this.socket = socket;
        this.local = local;
        this.wildcard = local.getAddress() == null || local.getAddress().isAnyLocalAddress();
        this.onAccept = onAccept;
    }

    /**
     * Binds a socket to {@code addr} and registers it with {@code loop}; {@code onAccept} gets each accepted stage
     * and its local address on that loop. The future fails as Netty's bind does ("Address already in use").
     */
    static CompletableFuture<RawTcpAcceptor> open(String name, EventLoop loop, InetSocketAddress addr,
                                                  BiConsumer<RawTcpStage, InetSocketAddress> onAccept) {
        final CompletableFuture<RawTcpAcceptor> done = new CompletableFuture<>();
        final Socket s = Socket.newSocketStream();
        final RawTcpAcceptor a;
        try {
            s.setReuseAddress(true);
            s.setReusePort(true);
            // Accepted sockets inherit Nagle's setting from the listening socket: no setsockopt per connection.
            s.setTcpNoDelay(true);
            s.bind(addr);
            s.listen(BACKLOG);
            a = new RawTcpAcceptor(name, loop, s, s.localAddress(), onAccept);
        } catch (final IOException | RuntimeException e) {
            closeQuietly(s);
            done.completeExceptionally(e);
            return done;
        }
        ((IoEventLoop) loop).register(a).addListener((Future<IoRegistration> f) -> {
            if (!f.isSuccess()) {
                closeQuietly(s);
                done.completeExceptionally(f.cause());
                return;
            }
            a.registration = f.getNow();
            try {
                f.getNow().submit(EpollIoOps.EPOLLIN);
            } catch (final RuntimeException e) {
                a.closeNow();
                done.completeExceptionally(e);
                return;
            }
            done.complete(a);
        });
        return done;
    }

    /** Returns the bound address (the real port when 0 was asked for). */
    InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP && !closed; i++) {
            final int fd;
            try {
                fd = socket.accept(addr);
            } catch (final IOException e) {
                // Out of file descriptors, most likely: the pending connection stays in the backlog and would wake
                // the loop again at once.
                final long now = System.nanoTime();
                if (now - warnedAt >= WARN_INTERVAL_NANOS) {
                    warnedAt = now;
                    logger.warn("listener {}: cannot accept connections: {} (pausing {} ms at a time; said again "
                            + "in 10 s at the earliest)", name, Net.reason(e), PAUSE_MILLIS);
                } else {
                    logger.debug("listener {}: cannot accept a connection: {}", name, Net.reason(e));
                }
                pause();
                return;
            }
            if (fd < 0) {
                return;
            }
            final Socket s = new Socket(fd);
            final InetSocketAddress peer = NativeInetAddress.address(addr, 1, addr[0]);
            final InetSocketAddress me = wildcard ? s.localAddress() : local;
            final RawTcpStage stage = RawTcpStage.accepted(loop, s, peer);
            if (stage != null) {
                onAccept.accept(stage, me);
            }
        }
    }

    private void pause() {
        final IoRegistration r = registration;
        if (r == null) {
            return;
        }
        r.submit(EpollIoOps.valueOf(Native.EPOLLERR));
        loop.schedule(() -> {
            if (!closed && r.isValid()) {
                r.submit(EpollIoOps.EPOLLIN);
            }
        }, PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Stops listening; connections already accepted go on. */
    CompletableFuture<Void> closeAsync() {
        final CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                closeNow();
                f.complete(null);
            });
        } catch (final RejectedExecutionException e) {
            // The loop is gone, and with it every event this socket could get.
            closeNow();
            f.complete(null);
        }
        return f;
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(socket);
        final IoRegistration r = registration;
        if (r != null) {
            r.cancel();
        }
    }

    @Override
    public void close() {
        closeNow();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (final IOException e) {
            // Closed all the same.
        }
    }
}
