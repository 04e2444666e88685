package io.l7mp.examples.customtransform;

import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.Transform;
import io.l7mp.transform.TransformProvider;
import io.l7mp.transform.TransformSpec;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * {@code {protocol: PayloadRewriter, from: <text>, to: <text>}}: replaces every {@code from} with {@code to} in each
 * datagram. Listed in {@code META-INF/services/io.l7mp.spi.ProtocolProvider}, so any config can name it.
 */
public final class PayloadRewriter extends TransformProvider {
    public PayloadRewriter() {
        super("PayloadRewriter", StreamKind.DATAGRAM);
    }

    /** Rejects a spec without {@code from} when the config is checked, naming the field. */
    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        if (((TransformSpec) spec).text("from", "").isEmpty()) {
            throw new IllegalArgumentException("from: missing (expected: the text to replace)");
        }
    }

    /** Called once per cluster: the function serves every session of it. */
    @Override
    protected Transform transform(ProtocolSpec spec) {
        final TransformSpec s = (TransformSpec) spec;
        final String from = s.text("from", "");
        final String to = s.text("to", "");
        return (msg, ctx) -> {
            final String text = msg.toString(StandardCharsets.UTF_8);
            if (!text.contains(from)) {
                return msg;                       // unchanged: pass the same buffer on
            }
            msg.release();                        // we own msg: a new buffer replaces it
            final byte[] out = text.replace(from, to).getBytes(StandardCharsets.UTF_8);
            final ByteBuf b = ctx.alloc().directBuffer(out.length);
            return b.writeBytes(out);
        };
    }
}
