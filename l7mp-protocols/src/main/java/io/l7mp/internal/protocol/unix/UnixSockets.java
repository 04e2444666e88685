package io.l7mp.internal.protocol.unix;

import io.l7mp.spi.Transport;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Socket paths, addresses and channel types for Unix sockets on either transport, and stale-file handling. */
final class UnixSockets {
    private static final Logger logger = LoggerFactory.getLogger(UnixSockets.class);
    /** {@code sun_path} holds 108 bytes including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private static final AtomicLong TEMP_SEQUENCE = new AtomicLong();

    private UnixSockets() {
    }

    /** Returns a fresh path in the temporary directory for a client datagram socket, which needs a name for replies. */
    static Path tempSocketPath() {
        final String name = "l7mp-" + ProcessHandle.current().pid() + "-" + TEMP_SEQUENCE.incrementAndGet() + ".sock";
        final Path p = Path.of(System.getProperty("java.io.tmpdir", "/tmp")).toAbsolutePath().resolve(name);
        return p.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH_BYTES ? p : Path.of("/tmp", name);
    }

    /** Returns {@code filename} resolved against the working directory, as l7mp does. */
    static Path path(String filename) {
        return Path.of(filename).toAbsolutePath().normalize();
    }

    /** Throws when the kernel could not bind or connect to {@code p} because the path is too long. */
    static void checkLength(String field, Path p) {
        final int n = p.toString().getBytes(StandardCharsets.UTF_8).length;
        if (n > MAX_PATH_BYTES) {
            throw new IllegalArgumentException(field + ": \"" + p + "\" is " + n + " bytes long (expected: at most "
                    + MAX_PATH_BYTES + ", the kernel's limit for socket paths)");
        }
    }

    /** Returns the address of {@code p} in the transport's own type (epoll and NIO use different classes). */
    static SocketAddress address(Transport t, Path p) {
        return t.isNative() ? new DomainSocketAddress(p.toString()) : UnixDomainSocketAddress.of(p);
    }

    static Class<? extends ServerChannel> serverChannelType(Transport t) {
        return t.isNative() ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    }

    static Class<? extends io.netty.channel.Channel> channelType(Transport t) {
        return t.isNative() ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
    }

    /** Returns true when {@code p} is a socket file (not following links). */
    static boolean isSocket(Path p) {
        try {
            final Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return ((Integer) mode & S_IFMT) == S_IFSOCK;
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

    /**
     * Makes {@code p} free to bind a stream socket: nothing to do when it does not exist; a socket file that refuses
     * connections (its process died) is removed; a socket somebody listens on, or any other file, is an error.
     */
    static void clearStaleStream(String field, Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(p)) {
            throw new IllegalStateException(field + ": \"" + p + "\" exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(p));
        } catch (final ConnectException e) {
            // Refused: the process that bound it is gone.
            removeStale(field, p);
            return;
        } catch (final IOException e) {
            throw new IllegalStateException(field + ": \"" + p + "\" is a socket that cannot be probed ("
                    + e.getMessage() + "); remove it if it is stale");
        }
        throw new IllegalStateException(field + ": \"" + p + "\" is in use by another listening socket");
    }

    /**
     * Makes {@code p} free to bind a datagram socket, as {@link #clearStaleStream} does for stream sockets; probes
     * with a native datagram socket (the JDK has none). Call only when epoll is available.
     */
    static void clearStaleDatagram(String field, Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(p)) {
            throw new IllegalStateException(field + ": \"" + p + "\" exists and is not a socket");
        }
        final Socket probe = Socket.newSocketDomainDgram();
        try {
            probe.connect(new DomainSocketAddress(p.toString()));
        } catch (final IOException e) {
            if (String.valueOf(e.getMessage()).contains("refused")) {
                removeStale(field, p);
                return;
            }
            throw new IllegalStateException(field + ": \"" + p + "\" is a socket that cannot be probed ("
                    + e.getMessage() + "); remove it if it is stale");
        } finally {
            try {
                probe.close();
            } catch (final IOException e) {
                logger.debug("cannot close probe socket: {}", e.toString());
            }
        }
        throw new IllegalStateException(field + ": \"" + p + "\" is in use by another socket");
    }

    /** Removes a stale socket file. */
    static void removeStale(String field, Path p) {
        try {
            Files.deleteIfExists(p);
            logger.info("removed stale socket file {}", p);
        } catch (final IOException e) {
            throw new IllegalStateException(field + ": cannot remove stale socket \"" + p + "\": " + e.getMessage(), e);
        }
    }

    /** Removes {@code p} if it is still a socket file; used when a listener or stage that bound it closes. */
    static void deleteSocket(Path p) {
        try {
            if (isSocket(p)) {
                Files.deleteIfExists(p);
            }
        } catch (final IOException e) {
            logger.debug("cannot remove socket file {}: {}", p, e.toString());
        }
    }
}
