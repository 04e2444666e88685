package io.l7mp.internal.protocol.ws;

import io.l7mp.internal.protocol.HoldingChannelStage;
import io.l7mp.spi.StreamKind;
import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

/** A WebSocket connection as a datagram stage: one message per {@code ByteBuf}; closing sends a close frame first. */
class WsStage extends HoldingChannelStage {
    final WsFrameCodec codec;

    WsStage(Channel channel, WsFrameCodec codec) {
        super(channel, StreamKind.DATAGRAM);
        this.codec = codec;
    }

    /**
     * WebSocket has no half-close: a bare FIN under the protocol would end the connection without a close frame
     * (1006 at the peer). Refused, so that the engine ends the session and {@link #close} sends a close frame.
     */
    @Override
    public boolean shutdownOutput() {
        return false;
    }

    /** A failed session's close frame (1011) says that it was cut short; a reset would lose it. */
    @Override
    protected boolean resetsOnPeerReset() {
        return false;
    }

    @Override
    public void goingAway() {
        codec.goingAway();
    }

    @Override
    public void close(@Nullable Throwable cause) {
        codec.closing(cause);
        super.close(cause);
    }
}
