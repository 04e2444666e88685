package io.l7mp.internal.protocol.sctp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.sctp.SctpMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The codec's logic alone (this kernel has no SCTP): the first message is held, replies follow the peer's ids. */
class SctpCodecTest {
    @Test
    void listenerHoldsFirstMessageUntilReadAndAnswersOnThePeersStream() {
        final List<int[]> firsts = new ArrayList<>();
        final EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(new SctpCodec(0, 0, (stream, ppid) -> firsts.add(new int[] {stream, ppid})));

        ch.writeInbound(new SctpMessage(46, 7, Unpooled.copiedBuffer("first", US_ASCII)));
        assertThat(firsts).hasSize(1);
        assertThat(firsts.get(0)).containsExactly(7, 46);
        assertThat(ch.<ByteBuf>readInbound()).as("held until the stage reads").isNull();

        ch.read();
        final ByteBuf first = ch.readInbound();
        assertThat(first.toString(US_ASCII)).isEqualTo("first");
        first.release();

        ch.writeInbound(new SctpMessage(47, 9, Unpooled.copiedBuffer("second", US_ASCII)));
        final ByteBuf second = ch.readInbound();
        assertThat(second.toString(US_ASCII)).isEqualTo("second");
        second.release();

        ch.writeOutbound(Unpooled.copiedBuffer("reply", US_ASCII));
        final SctpMessage out = ch.readOutbound();
        assertThat(out.streamIdentifier()).isEqualTo(9);
        assertThat(out.protocolIdentifier()).isEqualTo(47);
        assertThat(out.content().toString(US_ASCII)).isEqualTo("reply");
        out.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void heldMessageIsReleasedWhenTheAssociationCloses() {
        final EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(new SctpCodec(0, 0, (stream, ppid) -> { }));
        final ByteBuf payload = Unpooled.copiedBuffer("dropped", US_ASCII);
        ch.writeInbound(new SctpMessage(0, 1, payload));
        ch.close();
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void clusterUsesItsConfiguredIds() {
        final EmbeddedChannel ch = new EmbeddedChannel(new SctpCodec(5, 60, null));
        ch.writeInbound(new SctpMessage(1, 2, Unpooled.copiedBuffer("in", US_ASCII)));
        final ByteBuf in = ch.readInbound();
        in.release();
        ch.writeOutbound(Unpooled.copiedBuffer("out", US_ASCII));
        final SctpMessage out = ch.readOutbound();
        assertThat(out.streamIdentifier()).isEqualTo(5);
        assertThat(out.protocolIdentifier()).isEqualTo(60);
        out.release();
    }
}
