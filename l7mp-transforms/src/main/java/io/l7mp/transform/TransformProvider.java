package io.l7mp.transform;

import static java.util.Objects.requireNonNull;

import io.l7mp.UnstableApi;
import io.l7mp.internal.transform.Contexts;
import io.l7mp.internal.transform.SetupCluster;
import io.l7mp.internal.transform.TransformStage;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.util.concurrent.Future;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Transform} or a {@link SessionTransform} into a protocol, usable in a route's {@code ingress} and
 * {@code egress} chains (and as a destination) under its name. Subclass it with a public no-arg constructor and list
 * the class in {@code META-INF/services/io.l7mp.spi.ProtocolProvider} to plug it in through {@link
 * java.util.ServiceLoader}, or pass an instance to {@code L7mp.builder().protocol(...)}.
 *
 * <pre>{@code
 * public final class UpperCase extends TransformProvider {
 *     public UpperCase() {
 *         super("UpperCase", StreamKind.DATAGRAM);
 *     }
 *
 *     @Override
 *     protected Transform transform(ProtocolSpec spec) {
 *         return (msg, ctx) -> {
 *             for (int i = msg.readerIndex(); i < msg.writerIndex(); i++) {
 *                 msg.setByte(i, Character.toUpperCase(msg.getByte(i)));
 *             }
 *             return msg;
 *         };
 *     }
 * }
 * }</pre>
 *
 * <p>Override exactly one of {@link #transform(ProtocolSpec)} (stateless, one function per cluster) and
 * {@link #newSession(TransformContext)} (one stateful instance per session). The {@link StreamKind} says whether the
 * transform keeps message boundaries ({@code DATAGRAM}: one message in, messages out) or works on a byte stream
 * ({@code BYTE}: messages are arbitrary chunks; a stateful transform may reassemble them). By default the spec is a
 * {@link TransformSpec}: {@code protocol} plus free-form parameters; override {@link #specType()} for a typed record.
 */
@UnstableApi
public abstract class TransformProvider implements ProtocolProvider {
    private final String name;
    private final StreamKind kind;

    /** Creates a provider of the protocol {@code name}. */
    protected TransformProvider(String name, StreamKind kind) {
        this.name = requireNonNull(name, "name");
        this.kind = requireNonNull(kind, "kind");
    }

    /** Returns a provider that runs the stateless {@code transform} on every message. */
    public static TransformProvider of(String name, StreamKind kind, Transform transform) {
        requireNonNull(transform, "transform");
        return new TransformProvider(name, kind) {
            @Override
            protected Transform transform(ProtocolSpec spec) {
                return transform;
            }
        };
    }

    /** Returns a provider that creates one stateful transform per session with {@code factory}. */
    public static TransformProvider ofSession(String name, StreamKind kind,
                                              Function<TransformContext, SessionTransform> factory) {
        requireNonNull(factory, "factory");
        return new TransformProvider(name, kind) {
            @Override
            protected SessionTransform newSession(TransformContext ctx) {
                return factory.apply(ctx);
            }
        };
    }

    /**
     * Returns a provider of a session transform: {@code setup} runs once per session when it is set up (in a route's
     * or a meta-listener's {@code session} list); in a chain the cluster passes messages on unchanged.
     */
    public static TransformProvider ofSetup(String name, SetupTransform setup) {
        requireNonNull(setup, "setup");
        return new TransformProvider(name, StreamKind.DATAGRAM) {
            @Override
            protected Transform transform(ProtocolSpec spec) {
                return (msg, ctx) -> msg;
            }

            @Override
            protected SetupTransform setup(ProtocolSpec spec) {
                return setup;
            }
        };
    }

    /**
     * Returns the session transform of a cluster with this spec, called once when the cluster is created; or null (the
     * default) when the protocol only transforms payload. With one, the cluster can be named in a {@code session}
     * list; it still serves as a payload transform in chains.
     */
    protected @Nullable SetupTransform setup(ProtocolSpec spec) {
        return null;
    }

    /**
     * Returns the stateless function of a cluster with this spec, called once when the cluster is created; or null
     * (the default) to create one {@link #newSession stateful transform} per session instead.
     */
    protected @Nullable Transform transform(ProtocolSpec spec) {
        return null;
    }

    /**
     * Returns the stateful transform of one session's stage, called on the session's loop when the stage connects.
     * Throwing fails the connect (the session retries or ends, per its route).
     */
    protected SessionTransform newSession(TransformContext ctx) throws Exception {
        throw new IllegalStateException(name + ": override transform(ProtocolSpec) or "
                + "newSession(TransformContext)");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public StreamKind streamKind() {
        return kind;
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return TransformSpec.class;
    }

    @Override
    public final boolean hasCluster() {
        return true;
    }

    @Override
    public final boolean hasEndpoints() {
        return false;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final String cluster = ctx.name();
        final ProtocolSpec spec = ctx.spec();
        final Transform stateless = transform(spec);
        final SetupTransform setup = setup(spec);
        final Cluster payload = new Cluster() {
            @Override
            public Future<Stage> connect(ConnectRequest request) {
                final TransformContext tc = Contexts.of(request, cluster, spec);
                final SessionTransform st;
                try {
                    st = stateless != null ? SessionTransform.of(stateless, tc) : newSession(tc);
                } catch (final Exception e) {
                    return request.eventLoop().newFailedFuture(e instanceof SessionError se ? se
                            : new SessionError(500, name + " " + cluster + ": " + e.getMessage(), e));
                }
                return request.eventLoop().newSucceededFuture(new TransformStage(tc, kind, st, name));
            }
        };
        return setup == null ? payload : new SetupCluster(payload, setup, name, cluster, spec);
    }

    @Override
    public String toString() {
        return name + " (" + getClass().getName() + ")";
    }
}
