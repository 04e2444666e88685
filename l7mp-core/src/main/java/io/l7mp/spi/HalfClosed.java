package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a stream socket writable after its peer finished sending, for protocols that still answer then (a half-closed
 * TCP or Unix stream, an HTTP request followed by the client's FIN).
 *
 * <p>Netty 4.2.18's epoll transport removes a socket from epoll once it waits for no event (its input ended, nothing
 * queued to write), yet keeps treating it as registered: the next write that fills the socket buffer then fails to
 * re-arm {@code EPOLLOUT} ({@code epoll_ctl} ENOENT), and Netty drops everything still queued. Keeping
 * {@code EPOLLERR} in the socket's interest set (the kernel reports errors whether asked or not) means the set is never
 * empty and the socket stays registered until it closes. The socket is edge-triggered from then on: a registered
 * socket is always told of a hang-up, and a Unix stream whose peer closed after its half-close would otherwise wake
 * the loop without end; edge-triggered, the hang-up wakes it once (Netty's writes re-arm {@code EPOLLOUT} as its
 * edge-triggered mode always did).
 */
@UnstableApi
public final class HalfClosed {
    private static final Logger logger = LoggerFactory.getLogger(HalfClosed.class);
    private static final @Nullable MethodHandle SET_FLAG = setFlag();
    /** Sets AbstractEpollChannel's {@code inputClosedSeenErrorOnRead}. */
    private static final @Nullable MethodHandle SEEN_END = seenEnd();

    private HalfClosed() {
    }

    private static @Nullable MethodHandle setFlag() {
        if (!Epoll.isAvailable()) {
            return null;
        }
        try {
            // AbstractEpollChannel, which is not public.
            final Method m = AbstractEpollStreamChannel.class.getSuperclass().getDeclaredMethod("setFlag", int.class);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (final ReflectiveOperationException | RuntimeException e) {
            logger.warn("Cannot keep half-closed epoll sockets registered ({}): a large answer after a client's "
                    + "half-close may be cut short", e.toString());
            return null;
        }
    }

    private static @Nullable MethodHandle seenEnd() {
        if (!Epoll.isAvailable()) {
            return null;
        }
        try {
            // AbstractEpollChannel, which is not public.
            final Field f = AbstractEpollStreamChannel.class.getSuperclass()
                    .getDeclaredField("inputClosedSeenErrorOnRead");
            f.setAccessible(true);
            return MethodHandles.lookup().unreflectSetter(f);
        } catch (final ReflectiveOperationException | RuntimeException e) {
            logger.debug("Cannot watch half-closed epoll sockets for a reset after the first error event: {}",
                    e.toString());
            return null;
        }
    }

    /**
     * Call on the channel's event loop when its input ended and it stays open to write (on
     * {@link io.netty.channel.socket.ChannelInputShutdownEvent}); does nothing for other transports.
     */
    public static void keepWriting(Channel channel) {
        final MethodHandle m = SET_FLAG;
        if (m == null || !(channel instanceof AbstractEpollStreamChannel) || !channel.isOpen()
                || !channel.eventLoop().inEventLoop()) {
            return;
        }
        try {
            m.invoke(channel, Native.EPOLLERR | Native.EPOLLET);
        } catch (final Throwable e) {
            // The socket already left epoll (closed meanwhile): Netty reports its failure on the next write.
            logger.debug("{}: cannot keep the half-closed socket registered: {}", channel, e.toString());
        }
    }

    /**
     * Returns whether the peer of an epoll socket whose input ended (after {@link #keepWriting}, with auto-read off)
     * has reset the connection since; call on {@link io.netty.channel.socket.ChannelInputShutdownReadComplete}.
     * Netty's epoll transport reads such a socket again on every error event (the kernel reports errors whether asked
     * or not), finds the end of stream once more and fires that event, but only the first time, which comes right
     * after the end of stream itself. So while there is no error, the event is armed again here, and a reset that comes
     * later is seen too. Costs a {@code getsockopt} per call. False for other transports: NIO drops a socket from its
     * selector once it stops reading, so a reset there shows on the next write only.
     */
    static boolean peerReset(Channel channel) {
        if (!(channel instanceof AbstractEpollStreamChannel c) || !(c.fd() instanceof Socket s) || !c.isOpen()) {
            return false;
        }
        try {
            if (s.getSoError() != 0) {
                return true;
            }
        } catch (final IOException e) {
            return false;
        }
        final MethodHandle m = SEEN_END;
        if (m != null) {
            try {
                m.invoke(channel, false);
            } catch (final Throwable e) {
                logger.debug("{}: cannot watch the half-closed socket for a reset: {}", channel, e.toString());
            }
        }
        return false;
    }
}
