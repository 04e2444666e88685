package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.SessionTransform;
import io.l7mp.transform.TransformContext;
import io.l7mp.transform.TransformProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code JSONDecap}: the reverse of JSONEncap. Each message is parsed as a JSON envelope and its base64
 * {@code payload} is emitted; as in l7mp, a message that is not valid JSON, or has no textual payload, becomes an
 * empty message (logged at DEBUG). The envelope's {@code metadata} is kept per stage and published through {@link
 * io.l7mp.transform.ReceivedMetadata}.
 */
public final class JsonDecapProtocol extends TransformProvider {
    private static final Logger logger = LoggerFactory.getLogger(JsonDecapProtocol.class);

    public JsonDecapProtocol() {
        super("JSONDecap", StreamKind.DATAGRAM);
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
    }

    @Override
    protected SessionTransform newSession(TransformContext ctx) {
        return new Decap(ctx);
    }

    /** Decodes base64 leniently, as Node's {@code Buffer.from(s, 'base64')}: URL-safe letters, no padding, junk. */
    static byte[] decodeBase64(String s) {
        final String std = s.indexOf('-') >= 0 || s.indexOf('_') >= 0 ? s.replace('-', '+').replace('_', '/') : s;
        return Base64.getMimeDecoder().decode(std);
    }

    private static final class Decap implements SessionTransform {
        private final TransformContext ctx;
        private @Nullable JsonNode received;

        Decap(TransformContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void onMessage(ByteBuf msg, Output out) {
            ByteBuf result = Unpooled.EMPTY_BUFFER;
            try {
                final JsonNode env = JsonEncapProtocol.JSON.readTree(new ByteBufInputStream(msg));
                final JsonNode payload = env == null ? null : env.get("payload");
                if (payload != null && payload.isTextual()) {
                    final byte[] raw = decodeBase64(payload.asText());
                    result = ctx.alloc().directBuffer(raw.length).writeBytes(raw);
                } else if (logger.isDebugEnabled()) {
                    logger.debug("{} JSONDecap {}: no payload in envelope, emitting an empty message",
                            ctx.sessionName(), ctx.clusterName());
                }
                if (env != null) {
                    keep(env.get("metadata"));
                }
            } catch (final IOException | IllegalArgumentException e) {
                logger.debug("{} JSONDecap {}: invalid envelope, emitting an empty message: {}", ctx.sessionName(),
                        ctx.clusterName(), e.getMessage());
            } finally {
                msg.release();
            }
            out.emit(result);
        }

        private void keep(@Nullable JsonNode md) {
            if (md == null || md.equals(received)) {
                return;
            }
            final JsonNode old = received;
            received = md;
            DecapMetadata.put(ctx.sessionName(), md);
            if (old == null) {
                logger.debug("{} JSONDecap {}: received metadata {}", ctx.sessionName(), ctx.clusterName(), md);
            } else {
                logger.debug("{} JSONDecap {}: received metadata changed to {}", ctx.sessionName(),
                        ctx.clusterName(), md);
            }
        }

        @Override
        public void onClose() {
            final JsonNode md = received;
            if (md != null) {
                DecapMetadata.remove(ctx.sessionName(), md);
            }
        }
    }
}
