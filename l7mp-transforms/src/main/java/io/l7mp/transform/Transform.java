package io.l7mp.transform;

import io.l7mp.UnstableApi;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * A stateless payload rewrite: one message in, at most one message out. One instance serves every session of a
 * cluster, on many event loops at once, so it must not keep mutable state; use {@link SessionTransform} for that.
 *
 * <p>Example, a transform that upper-cases ASCII text in place:
 * <pre>{@code
 * Transform upper = (msg, ctx) -> {
 *     for (int i = msg.readerIndex(); i < msg.writerIndex(); i++) {
 *         msg.setByte(i, Character.toUpperCase(msg.getByte(i)));
 *     }
 *     return msg;
 * };
 * }</pre>
 */
@UnstableApi
@FunctionalInterface
public interface Transform {
    /**
     * Rewrites one message. Called on the session's event loop.
     *
     * <p>Ownership: the call takes ownership of {@code msg}. Return the message to pass on (the caller then owns it):
     * {@code msg} itself, rewritten in place, or a new buffer (then release {@code msg}). Return null to drop the
     * message, after releasing {@code msg}. When the call throws, the stage releases {@code msg} if it still has
     * references and fails, which disconnects the stage (the session retries or ends, per its route).
     */
    @Nullable ByteBuf apply(ByteBuf msg, TransformContext ctx) throws Exception;
}
