package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.buffer.ByteBuf;

/** Buffer helpers for protocol implementations. */
@UnstableApi
public final class Buffers {
    /** Datagrams at most this big are copied out of a large receive buffer. */
    public static final int COMPACT_LIMIT = 2048;

    private Buffers() {
    }

    /**
     * Returns a right-sized copy of a small message read into a large receive buffer, releasing the original; returns
     * {@code msg} itself otherwise. Datagram sockets read into 64 KiB buffers so that nothing is truncated; copying a
     * small datagram out hands the big buffer straight back to the pool's thread cache instead of pinning it while
     * the message travels through the session. A slice of a larger buffer (a batch read) is always copied out, so
     * that it does not pin its parent. Takes ownership of {@code msg}.
     */
    public static ByteBuf compact(ByteBuf msg) {
        final int n = msg.readableBytes();
        ByteBuf root = msg.unwrap();
        if (root != null) {
            // Down to the buffer that owns the memory (a leak-detection wrapper sits on top of the slice).
            for (ByteBuf r = root.unwrap(); r != null; r = r.unwrap()) {
                root = r;
            }
            // A slice of a batch read (recvmmsg) pins the whole batch buffer: copy it out whatever its size, so that
            // a queued datagram never holds more memory than its own length.
            if (root.capacity() - n < COMPACT_LIMIT) {
                return msg;
            }
        } else if (n > COMPACT_LIMIT || msg.capacity() - n < COMPACT_LIMIT) {
            return msg;
        }
        final ByteBuf copy = msg.alloc().directBuffer(n, n);
        copy.writeBytes(msg, msg.readerIndex(), n);
        msg.release();
        return copy;
    }
}
