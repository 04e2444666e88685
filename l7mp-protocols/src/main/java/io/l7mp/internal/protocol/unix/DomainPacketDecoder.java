package io.l7mp.internal.protocol.unix;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.DomainDatagramPacket;

/** Unwraps the {@link DomainDatagramPacket}s a connected Unix datagram channel reads, so the stage sees buffers. */
@ChannelHandler.Sharable
final class DomainPacketDecoder extends ChannelInboundHandlerAdapter {
    static final DomainPacketDecoder INSTANCE = new DomainPacketDecoder();

    private DomainPacketDecoder() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The packet's reference count is its content's: passing the content on passes the ownership.
        ctx.fireChannelRead(msg instanceof DomainDatagramPacket p ? p.content() : msg);
    }
}
