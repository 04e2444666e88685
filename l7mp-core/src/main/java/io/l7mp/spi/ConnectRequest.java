package io.l7mp.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.EndpointSpec;
import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;

/**
 * Asks a {@link Cluster} for one stage of a session.
 *
 * @param sessionName   the session's name, for logs
 * @param eventLoop     the session's loop: the new stage must run on it
 * @param endpoint      the endpoint the load balancer picked; null for clusters without endpoints
 * @param metadata      the session's metadata, read-only: the session view of the REST API reads the same tree from
 *                      other threads (copy it to change it); do not keep it after the future completes
 * @param timeoutMillis the bound of this attempt
 * @param source        the session's listener-side stage; a cluster may look for optional interfaces on it, such as
 *                      {@link ResponseHead} to answer an HTTP request with its own status
 */
public record ConnectRequest(String sessionName, EventLoop eventLoop, @Nullable EndpointSpec endpoint,
                             ObjectNode metadata, long timeoutMillis, Stage source) {
}
