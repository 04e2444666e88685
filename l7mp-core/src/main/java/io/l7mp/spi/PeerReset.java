package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.SocketException;
import org.jspecify.annotations.Nullable;

/**
 * Tells a connection that its peer reset (a TCP RST) from the other ways a stage fails. A byte stream that ends with a
 * reset was cut short, where a FIN says that it is complete: a TCP stage closed with such a cause, because another
 * stage's peer reset its connection, resets its own in turn ({@link Stage#close}), so that its peer can tell too.
 */
@UnstableApi
public final class PeerReset {
    private PeerReset() {
    }

    /**
     * Returns whether {@code cause}, as a stage reported it ({@link StageHandler#onClose}), says that the peer reset
     * the connection: ECONNRESET, or EPIPE from a write after the reset, as a native socket's
     * {@link Errors.NativeIoException} or as the JDK's exceptions on NIO ("Connection reset" when reading, "Connection
     * reset by peer" or "Broken pipe" when writing). Anything else is not: a refused or timed-out connect, a deleted
     * endpoint or listener, a codec's error, any {@link SessionError}.
     */
    public static boolean is(@Nullable Throwable cause) {
        if (cause instanceof Errors.NativeIoException n) {
            // An instance means that the native library is loaded, which Errors' constants need.
            return n.expectedErr() == Errors.ERRNO_ECONNRESET_NEGATIVE
                    || n.expectedErr() == Errors.ERRNO_EPIPE_NEGATIVE;
        }
        if (!(cause instanceof IOException)) {
            return false;
        }
        final String m = cause.getMessage();
        if (cause instanceof SocketException) {
            return "Connection reset".equals(m);
        }
        return cause.getClass() == IOException.class
                && ("Connection reset by peer".equals(m) || "Broken pipe".equals(m));
    }
}
