package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.transform.TransformContext;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/** Builds {@link TransformContext}s. */
public final class Contexts {
    private Contexts() {
    }

    /** Returns the context of a stage being connected for {@code request}; copies the metadata. */
    public static TransformContext of(ConnectRequest request, String cluster, ProtocolSpec spec) {
        return new Ctx(request.sessionName(), cluster, spec, request.metadata().deepCopy(), request.eventLoop());
    }

    /** Returns the context of a session transform: {@code metadata} is the object being set up, not a copy. */
    public static TransformContext of(String session, String cluster, ProtocolSpec spec, JsonNode metadata,
                                      EventLoop loop) {
        return new Ctx(session, cluster, spec, metadata, loop);
    }

    private record Ctx(String sessionName, String clusterName, ProtocolSpec spec, JsonNode metadata,
                       EventLoop eventLoop) implements TransformContext {
        @Override
        public ByteBufAllocator alloc() {
            return ByteBufAllocator.DEFAULT;
        }
    }
}
