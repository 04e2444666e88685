package io.l7mp.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.UnstableApi;
import org.jspecify.annotations.Nullable;

/**
 * A session transform, in the design notes' words: runs once when a session is set up, before its stages connect,
 * and may rewrite the session's metadata or send it along another route; hears when the session ends. Named in a
 * route's {@code session} list it runs after the rules; in a meta-listener's {@code session} list, before them (so a
 * rule can match what it wrote). One instance serves every session of a cluster, on many event loops: keep no mutable
 * state outside the metadata.
 *
 * <pre>{@code
 * SetupTransform tier = (metadata, ctx) -> {
 *     metadata.with("labels").put("tier", metadata.at("/UDP/src_port").asInt() < 10000 ? "gold" : "bronze");
 *     return null;                                       // keep the route the rules chose
 * };
 * L7mp.builder().protocol(TransformProvider.ofSetup("Tier", tier)) ...
 * }</pre>
 */
@UnstableApi
@FunctionalInterface
public interface SetupTransform {
    /**
     * Sets up one session: change {@code metadata} in place (the session's own copy; {@code ctx.metadata()} is the
     * same object) and return the name of the route the session should take instead, or null to keep its route.
     * Called on the session's loop; never block. Throwing fails this attempt: the session retries per its route
     * ({@code connect-failure}), or fails.
     */
    @Nullable String setup(ObjectNode metadata, TransformContext ctx) throws Exception;

    /**
     * Tells that a session this transform set up has ended; {@code cause} is null when it ended normally. Called on
     * the session's loop; never block. {@code metadata} is the session's final metadata.
     */
    default void teardown(JsonNode metadata, TransformContext ctx, @Nullable Throwable cause) {
    }
}
