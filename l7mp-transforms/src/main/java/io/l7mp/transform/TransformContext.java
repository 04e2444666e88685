package io.l7mp.transform;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.UnstableApi;
import io.l7mp.spec.ProtocolSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/** What a transform knows about the stage it runs in: the session, its cluster, the spec, the loop. */
@UnstableApi
public interface TransformContext {
    /** Returns the session's name, e.g. {@code UDP:127.0.0.1:5000-127.0.0.1:15000-1}; use it first in log lines. */
    String sessionName();

    /** Returns the name of the cluster the transform runs as (for a transform in a MetaTransform, a derived name). */
    String clusterName();

    /** Returns the cluster's spec, an instance of the provider's {@link io.l7mp.spi.ProtocolProvider#specType()}. */
    ProtocolSpec spec();

    /**
     * Returns a read-only copy of the session's metadata as it was when the stage connected ({@code IP}, {@code UDP},
     * {@code labels}, ...). The session's metadata does not change after routing.
     */
    JsonNode metadata();

    /** Returns the session's event loop: every call into the transform runs on it; schedule timers on it. */
    EventLoop eventLoop();

    /** Returns the allocator to use for new buffers. */
    ByteBufAllocator alloc();
}
