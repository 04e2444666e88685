package io.l7mp.internal.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.SessionTransform;
import io.l7mp.transform.TransformContext;
import io.l7mp.transform.TransformProvider;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.base64.Base64;
import java.nio.charset.StandardCharsets;

/**
 * {@code JSONEncap}: wraps each message as l7mp does, {@code {"metadata":<session metadata>,"payload":"<base64>"}},
 * compact JSON, byte for byte what l7mp's {@code JSON.stringify} writes. l7mp keeps the session name in the metadata
 * ({@code name}, first), so the envelope does too. The metadata is serialized once per session: it does not change
 * after routing.
 */
public final class JsonEncapProtocol extends TransformProvider {
    // l7mp parses with JSON.parse: trailing garbage makes a message invalid.
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final byte[] SUFFIX = "\"}".getBytes(StandardCharsets.US_ASCII);

    public JsonEncapProtocol() {
        super("JSONEncap", StreamKind.DATAGRAM);
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
    }

    @Override
    protected SessionTransform newSession(TransformContext ctx) {
        final ObjectNode md = JSON.createObjectNode();
        if (!ctx.metadata().has("name")) {
            md.put("name", ctx.sessionName());
        }
        ctx.metadata().properties().forEach(e -> md.set(e.getKey(), e.getValue()));
        final byte[] prefix;
        try {
            prefix = ("{\"metadata\":" + JSON.writeValueAsString(md) + ",\"payload\":\"")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (final JsonProcessingException e) {
            throw new SessionError(500, "JSONEncap " + ctx.clusterName() + ": cannot serialize the metadata", e);
        }
        return (msg, out) -> {
            final ByteBuf b64 = Base64.encode(msg, msg.readerIndex(), msg.readableBytes(), false);
            try {
                final ByteBuf env = ctx.alloc().directBuffer(prefix.length + b64.readableBytes() + SUFFIX.length);
                env.writeBytes(prefix).writeBytes(b64).writeBytes(SUFFIX);
                out.emit(env);
            } finally {
                b64.release();
                msg.release();
            }
        };
    }
}
