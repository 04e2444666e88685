package io.l7mp.internal.protocol.framing;

import io.l7mp.protocol.Framing;
import io.l7mp.spi.StreamKind;
import io.netty.channel.Channel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import org.jspecify.annotations.Nullable;

/** Puts a framing codec in a byte-stream channel's pipeline, ahead of the stage that will wrap the channel. */
public final class FrameCodec {
    /** The pipeline name of the decoder. */
    public static final String DECODER = "l7mp-frame-decoder";
    /** The pipeline name of the encoder. */
    public static final String ENCODER = "l7mp-frame-encoder";

    private static final int LENGTH_BYTES = 4;

    private FrameCodec() {
    }

    /**
     * Adds the codec for {@code framing} (nothing for null or {@link Framing#NONE}) and returns the stream kind the
     * stage over {@code channel} has: {@link StreamKind#DATAGRAM} when framed, else {@link StreamKind#BYTE}. Call
     * before creating the stage, so the stage's handler comes after the codec.
     */
    public static StreamKind install(Channel channel, @Nullable Framing framing) {
        if (framing != Framing.LENGTH_PREFIXED) {
            return StreamKind.BYTE;
        }
        // Strips the prefix on the way in, so the stage sees exactly the messages the other proxy wrote.
        channel.pipeline().addLast(DECODER,
                new LengthFieldBasedFrameDecoder(Framing.MAX_FRAME, 0, LENGTH_BYTES, 0, LENGTH_BYTES));
        channel.pipeline().addLast(ENCODER, new LengthFieldPrepender(LENGTH_BYTES));
        return StreamKind.DATAGRAM;
    }

    /** Returns the stream kind of a protocol configured with {@code framing}. */
    public static StreamKind kind(@Nullable Framing framing) {
        return framing == Framing.LENGTH_PREFIXED ? StreamKind.DATAGRAM : StreamKind.BYTE;
    }
}
