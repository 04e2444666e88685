package io.l7mp.spi;

import io.netty.util.concurrent.Future;

/** The protocol side of a cluster: opens one stage per session (and per chain position) on request. */
public interface Cluster {
    /**
     * Opens a stage to {@code request.endpoint()} (or a local stage for clusters without endpoints). Called on the
     * session's loop; the future must complete on it, failed with a {@link SessionError} when the stage cannot be
     * opened within {@code request.timeoutMillis()}.
     */
    Future<Stage> connect(ConnectRequest request);

    /** Releases what the cluster holds; stages already opened are closed by their sessions. */
    default void close() {
    }
}
