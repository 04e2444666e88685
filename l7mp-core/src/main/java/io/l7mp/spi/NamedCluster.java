package io.l7mp.spi;

import io.l7mp.UnstableApi;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * A running cluster found by name ({@link ClusterContext#cluster}), for composites whose elements are other clusters.
 * A snapshot: look the name up again for each session, so that a cluster deleted and added again is found anew.
 */
@UnstableApi
public interface NamedCluster {
    /** Returns the cluster's name. */
    String name();

    /** Returns the cluster's protocol. */
    ProtocolProvider provider();

    /**
     * Opens one stage of a session as a route's hop would: the cluster's load balancer picks the endpoint (the
     * request's own {@code endpoint} is ignored). Called on the session's loop; completes on it. Fails with a
     * {@link SessionError} 404 when the cluster has no endpoint, 508 when clusters name each other in a loop.
     */
    Future<Stage> connect(ConnectRequest request);

    /** Returns the cluster as a session transform, or null when its protocol is none. */
    @Nullable SessionHook hook();
}
