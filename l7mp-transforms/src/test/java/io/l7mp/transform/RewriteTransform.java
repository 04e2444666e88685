package io.l7mp.transform;

import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A test plug-in found through ServiceLoader (src/test/resources/META-INF/services): {@code {protocol: Rewrite, from,
 * to}} replaces text in each datagram.
 */
public final class RewriteTransform extends TransformProvider {
    public RewriteTransform() {
        super("Rewrite", StreamKind.DATAGRAM);
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        if (((TransformSpec) spec).param("from") == null) {
            throw new IllegalArgumentException("from: missing (expected: the text to replace)");
        }
    }

    @Override
    protected Transform transform(ProtocolSpec spec) {
        final TransformSpec s = (TransformSpec) spec;
        final String from = s.text("from", "");
        final String to = s.text("to", "");
        return (msg, ctx) -> {
            final String text = msg.toString(StandardCharsets.UTF_8);
            msg.release();
            final byte[] out = text.replace(from, to).getBytes(StandardCharsets.UTF_8);
            final ByteBuf b = ctx.alloc().buffer(out.length);
            return b.writeBytes(out);
        };
    }
}
