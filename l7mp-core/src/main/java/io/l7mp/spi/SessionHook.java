package io.l7mp.spi;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.UnstableApi;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * A session transform: implemented by a {@link Cluster} that may rewrite a session's metadata or route when the
 * session is set up, and hears when it ends. Named in a route's {@code session} list it runs after the rules chose
 * the route and before any stage connects; in a meta-listener's {@code session} list it runs before the rules. The
 * cluster's {@link Cluster#connect} still serves when the cluster is used in a chain.
 */
@UnstableApi
public interface SessionHook {
    /**
     * Sets up one session. Called on the session's loop; the future must complete on it, with the changes to make, or
     * fail with a {@link SessionError} (the session retries per its route on {@code connect-failure}, or fails).
     * The session waits at most {@code setup.timeoutMillis()}; a later answer is ignored.
     */
    Future<SessionUpdate> setup(SessionSetup setup);

    /**
     * Tells that a session whose setup this hook completed has ended ({@code cause} null: normally). Called on the
     * session's loop, {@code eventLoop}; never block here. {@code metadata} is the session's final metadata; do not
     * change it.
     */
    default void teardown(String sessionName, EventLoop eventLoop, JsonNode metadata, @Nullable Throwable cause) {
    }
}
