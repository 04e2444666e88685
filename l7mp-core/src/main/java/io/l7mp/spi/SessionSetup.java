package io.l7mp.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.UnstableApi;
import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;

/**
 * One session being set up, as a {@link SessionHook} sees it.
 *
 * @param sessionName   the session's name, for logs
 * @param eventLoop     the session's loop
 * @param metadata      a private copy of the session's metadata: change it and return it in {@link SessionUpdate}
 *                      to rewrite the metadata; nobody else reads it while the hook runs
 * @param route         the route the rules chose, or null before routing (a meta-listener's hooks)
 * @param timeoutMillis how long the session waits for the hook
 */
@UnstableApi
public record SessionSetup(String sessionName, EventLoop eventLoop, ObjectNode metadata, @Nullable String route,
                           long timeoutMillis) {
}
