package io.l7mp.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.UnstableApi;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link SessionHook} changes in a session.
 *
 * @param metadata the session's new metadata, or null to keep it
 * @param route    the name of the route the session takes instead of the one the rules chose (its own session
 *                 transforms then run), or null to keep it; ignored before routing, where the rules decide
 */
@UnstableApi
public record SessionUpdate(@Nullable ObjectNode metadata, @Nullable String route) {
    /** Changes nothing. */
    public static final SessionUpdate NONE = new SessionUpdate(null, null);

    /** Returns an update that replaces the metadata. */
    public static SessionUpdate metadata(ObjectNode metadata) {
        return new SessionUpdate(metadata, null);
    }
}
