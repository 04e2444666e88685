package io.l7mp.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.UnstableApi;
import io.netty.buffer.ByteBuf;

/**
 * A per-session, stateful payload transform: one instance per session (and chain position), confined to the session's
 * event loop, so it may keep state in plain fields. It may emit any number of messages per input, or later (from a
 * timer on {@link TransformContext#eventLoop()}), e.g. to reassemble a byte stream into lines or to delay packets.
 */
@UnstableApi
public interface SessionTransform {
    /**
     * Handles one message: emit what should go on with {@code out.emit(...)}. Takes ownership of {@code msg}: emit
     * it, or release it. When the call throws, the stage releases {@code msg} if it was not emitted and still has
     * references, and fails, which disconnects the stage (the session retries or ends, per its route).
     */
    void onMessage(ByteBuf msg, Output out) throws Exception;

    /**
     * Writes what the transform learned from the messages it has seen so far into the session's metadata, e.g. the
     * RTP parser's {@code RTP: {ssrc, payload_type, sequence}}. Called once, by a meta-listener, after the session's
     * first message went through the listener's {@code ingress} transforms and before the rules run, so that a rule
     * can match on it. Never called otherwise: a routed session's metadata does not change. Default: nothing.
     */
    default void annotate(ObjectNode metadata) {
    }

    /** Called once when the stage closes (session end, reroute, failure): release what the transform still holds. */
    default void onClose() {
    }

    /** Where a session transform emits its output. Call on the session's event loop only. */
    interface Output {
        /**
         * Passes one message to the next hop of the session; takes ownership of {@code msg}. After the stage closed,
         * the message is released.
         */
        void emit(ByteBuf msg);

        /**
         * Flushes what was emitted. Not needed inside {@link #onMessage}: the session flushes once per read batch;
         * call it after emitting from a timer.
         */
        void flush();
    }

    /** Returns a session transform that runs a stateless {@link Transform} on every message. */
    static SessionTransform of(Transform transform, TransformContext ctx) {
        return (msg, out) -> {
            final ByteBuf result = transform.apply(msg, ctx);
            if (result != null) {
                out.emit(result);
            }
        };
    }
}
