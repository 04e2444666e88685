package io.l7mp.internal.protocol.sctp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.sctp.SctpMessage;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Turns complete {@link SctpMessage}s into the payload buffers a stage forwards, and buffers into messages on the way
 * out. A listener's codec answers on the stream and with the payload protocol id of the last message it received,
 * and holds the association's first message (whose ids go into the session metadata) until the stage starts reading.
 */
final class SctpCodec extends ChannelDuplexHandler {
    private final boolean follow;
    private int streamId;
    private int ppid;
    private @Nullable BiConsumer<Integer, Integer> first;
    private @Nullable ByteBuf held;

    /**
     * @param streamId the stream of outgoing messages (until the peer's first message, if {@code first} is set)
     * @param ppid     the payload protocol id of outgoing messages
     * @param first    listener: called with (stream id, ppid) of the first message, which is then held until the
     *                 first {@code read()}; null for a cluster, which never changes its ids
     */
    SctpCodec(int streamId, int ppid, @Nullable BiConsumer<Integer, Integer> first) {
        this.streamId = streamId;
        this.ppid = ppid;
        this.first = first;
        this.follow = first != null;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (first != null) {
            // The stage reads nothing before its session is routed; the session needs this first message.
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SctpMessage m)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (follow) {
            streamId = m.streamIdentifier();
            ppid = m.protocolIdentifier();
        }
        final BiConsumer<Integer, Integer> f = first;
        if (f != null) {
            first = null;
            held = m.content();
            f.accept(m.streamIdentifier(), m.protocolIdentifier());
            return;
        }
        ctx.fireChannelRead(m.content());
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        final ByteBuf h = held;
        if (h != null) {
            held = null;
            ctx.fireChannelRead(h);
            ctx.fireChannelReadComplete();
        }
        ctx.read();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg instanceof ByteBuf b ? new SctpMessage(ppid, streamId, b) : msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        final ByteBuf h = held;
        held = null;
        if (h != null) {
            h.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
