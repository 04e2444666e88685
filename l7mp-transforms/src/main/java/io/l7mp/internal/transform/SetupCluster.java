package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.SessionSetup;
import io.l7mp.spi.SessionUpdate;
import io.l7mp.spi.Stage;
import io.l7mp.transform.SetupTransform;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A transform's cluster that also runs a {@link SetupTransform} as the engine's session hook. */
public final class SetupCluster implements Cluster, SessionHook {
    private static final Logger logger = LoggerFactory.getLogger(SetupCluster.class);

    private final Cluster payload;
    private final SetupTransform setup;
    private final String protocol;
    private final String cluster;
    private final ProtocolSpec spec;

    public SetupCluster(Cluster payload, SetupTransform setup, String protocol, String cluster, ProtocolSpec spec) {
        this.payload = payload;
        this.setup = setup;
        this.protocol = protocol;
        this.cluster = cluster;
        this.spec = spec;
    }

    @Override
    public Future<Stage> connect(ConnectRequest request) {
        return payload.connect(request);
    }

    @Override
    public Future<SessionUpdate> setup(SessionSetup s) {
        final ObjectNode md = s.metadata();
        try {
            final String route = setup.setup(md, Contexts.of(s.sessionName(), cluster, spec, md, s.eventLoop()));
            return s.eventLoop().newSucceededFuture(new SessionUpdate(md, route));
        } catch (final Exception e) {
            return s.eventLoop().newFailedFuture(e instanceof SessionError se ? se
                    : new SessionError(500, protocol + " " + cluster + ": " + e.getMessage(), e));
        }
    }

    @Override
    public void teardown(String sessionName, EventLoop eventLoop, JsonNode metadata, @Nullable Throwable cause) {
        try {
            setup.teardown(metadata, Contexts.of(sessionName, cluster, spec, metadata, eventLoop), cause);
        } catch (final RuntimeException e) {
            logger.warn("{} session transform {}: teardown failed", sessionName, cluster, e);
        }
    }

    @Override
    public void close() {
        payload.close();
    }
}
