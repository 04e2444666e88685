package io.l7mp.internal.protocol;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;

/**
 * Chooses, per server-mode UDP socket on epoll, between reading with {@code recvmmsg} (up to {@link #BATCH}
 * datagrams per syscall, each in a whole 64 KiB slot so that nothing is truncated) and with {@code recvmsg} (one
 * datagram). A batch read costs more than a single one: the kernel sets up every slot and Netty's {@code recvmmsg}
 * makes a {@code getsockopt} call besides, so a ping-pong flow paid one syscall more per datagram than with plain
 * reads. Batching pays only when datagrams queue up. The socket starts batching; after {@link #SINGLES} reads in a row
 * that found one datagram each it reads singly. After every {@link #PROBE} datagrams read singly, one read is a batch
 * read again: if it finds more than one datagram waiting, the socket goes on batching.
 *
 * <p>Also the socket's receive buffer allocator: its buffer size follows the mode. A server socket's demultiplexer
 * reports its reads; on a connected (upstream) socket {@link #counter()} does, from the front of the pipeline.
 * Not thread-safe: one instance per channel, used on the channel's event loop only.
 */
final class UdpReadMode extends DefaultMaxMessagesRecvByteBufAllocator {
    /** Datagrams per batch read. */
    static final int BATCH = 8;
    private static final int SINGLES = 16;
    private static final int PROBE = 64;

    private boolean batch = true;
    private boolean probing;
    private int singles;
    private int readSingly;
    private int inThisRead;

    UdpReadMode() {
        // One read (one syscall) per readiness event; the loop comes back while the socket stays readable.
        super(1);
    }

    @Override
    public Handle newHandle() {
        return new MaxMessageHandle() {
            @Override
            public int guess() {
                return batch ? BATCH * UdpProtocol.MAX_DATAGRAM : UdpProtocol.MAX_DATAGRAM;
            }
        };
    }

    /** Sets the socket up for the first (batched) reads. */
    void install(Channel ch) {
        ch.config().setRecvByteBufAllocator(this);
        ch.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, UdpProtocol.MAX_DATAGRAM);
    }

    /** One datagram of the current read. */
    void datagram() {
        inThisRead++;
    }

    /** The read is complete: switches mode when the datagrams per read say so. */
    void readComplete(Channel ch) {
        final int n = inThisRead;
        inThisRead = 0;
        if (n == 0) {
            return;
        }
        if (batch) {
            singles = n == 1 ? singles + 1 : 0;
            if (singles >= (probing ? 1 : SINGLES)) {
                set(ch, false);
            }
            probing = false;
        } else {
            readSingly += n;
            if (readSingly >= PROBE) {
                set(ch, true);
                probing = true;
            }
        }
    }

    /** A pipeline handler that reports the channel's reads to this mode and passes everything on. */
    ChannelInboundHandlerAdapter counter() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                datagram();
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                readComplete(ctx.channel());
                ctx.fireChannelReadComplete();
            }
        };
    }

    /** Whether the next read is a batch read (for tests). */
    boolean batching() {
        return batch;
    }

    private void set(Channel ch, boolean b) {
        batch = b;
        singles = 0;
        readSingly = 0;
        // Netty reads this option before every read: 0 means one datagram per read, into the whole buffer.
        ch.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, b ? UdpProtocol.MAX_DATAGRAM : 0);
    }
}
