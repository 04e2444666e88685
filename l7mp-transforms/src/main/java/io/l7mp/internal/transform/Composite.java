package io.l7mp.internal.transform;

import io.l7mp.ConfigException;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.NamedCluster;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster made of other clusters run as one {@link ChainStage}: the MetaTransform (transforms only) and the
 * MetaCluster (transforms around a cluster with endpoints). The inner clusters are created with the outer cluster and
 * closed with it; each session connects all of them and gets one stage.
 */
final class Composite implements Cluster {
    private static final Logger logger = LoggerFactory.getLogger(Composite.class);

    /**
     * One element: an inner cluster created with the composite ({@code cluster} set), or a running cluster it names,
     * looked up through {@code lookup} for each session. {@code endpoint} says whether it gets the endpoint the outer
     * cluster's balancer picked.
     */
    record Inner(String name, @Nullable ProtocolProvider provider, @Nullable Cluster cluster, boolean endpoint,
                 @Nullable ClusterContext lookup) implements Element {
        /** Returns whether this element names a running cluster. */
        boolean named() {
            return cluster == null;
        }
    }

    /** An inline element checked but not created yet: its provider and typed spec. */
    record Checked(String path, ProtocolProvider provider, ProtocolSpec spec, boolean endpoint) implements Element {
    }

    /** An element as configured: a name ({@link Inner}, named) or an inline spec checked, to create later. */
    sealed interface Element permits Inner, Checked {
    }

    private final String name;
    private final List<Inner> inners;

    Composite(String name, List<Inner> inners) {
        this.name = name;
        this.inners = List.copyOf(inners);
    }

    /**
     * Creates one element; {@code path} names it in errors (e.g. {@code transforms[1]}). A name becomes an element
     * looked up for each session; it may not be the composite itself. Throws {@link ConfigException} when an inline
     * protocol is unknown, cannot be a cluster, or (unless {@code endpoints}) needs endpoints.
     */
    static Inner inner(ClusterContext outer, String path, Ref<ProtocolSpec> element, boolean endpoints) {
        if (element instanceof Ref.Named<ProtocolSpec> n) {
            return named(outer, path, n.name());
        }
        return create(outer, check(outer, path, ((Ref.Inline<ProtocolSpec>) element).spec(), endpoints));
    }

    /** Returns an element naming a running cluster, other than the composite itself. */
    static Inner named(ClusterContext outer, String path, String cluster) {
        if (cluster.equals(outer.name())) {
            throw new ConfigException("spec." + path, "\"" + cluster + "\" is this cluster itself (expected: "
                    + "another cluster)");
        }
        return named(outer, cluster);
    }

    /** Returns an element naming a running cluster, looked up through {@code lookup}. */
    static Inner named(ClusterContext lookup, String cluster) {
        return new Inner(cluster, null, null, false, lookup);
    }

    /** Checks an inline element without creating it. */
    static Checked check(ClusterContext outer, String path, ProtocolSpec spec, boolean endpoints) {
        final String where = "spec." + path;
        final ProtocolProvider p = outer.provider(spec.protocol());
        if (p == null) {
            throw new ConfigException(where + ".protocol", "\"" + spec.protocol() + "\" (expected: a known protocol)");
        }
        if (!p.hasCluster()) {
            throw new ConfigException(where + ".protocol", "\"" + spec.protocol()
                    + "\" (expected: a protocol that can be a cluster)");
        }
        if (p.hasEndpoints() != endpoints) {
            throw new ConfigException(where + ".protocol", "\"" + spec.protocol() + "\" (expected: "
                    + (endpoints ? "a protocol with endpoints, such as UDP; chain transforms with MetaTransform"
                    : "a transform without endpoints; wrap a cluster with endpoints in a MetaCluster") + ")");
        }
        try {
            return new Checked(path, p, outer.typed(p, spec), endpoints);
        } catch (final ConfigException e) {
            throw e.under(where);
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(where, String.valueOf(e.getMessage()), e);
        }
    }

    /** Creates a checked inline element, named after the outer cluster and its position. */
    static Inner create(ClusterContext outer, Checked c) {
        final String innerName = outer.name() + "/" + c.path();
        return new Inner(innerName, c.provider(), c.provider().newCluster(new InnerContext(innerName, c.spec(),
                outer)), c.endpoint(), null);
    }

    /** Adds the inline elements of {@code elements} to {@code out} by their field, e.g. {@code transforms[1]}. */
    static void inlineParts(String field, List<Ref<ProtocolSpec>> elements, Map<String, ProtocolSpec> out) {
        for (int i = 0; i < elements.size(); i++) {
            if (elements.get(i) instanceof Ref.Inline<ProtocolSpec> in) {
                out.put(field + "[" + i + "]", in.spec());
            }
        }
    }

    /** Closes inner clusters created before a failure. */
    static void closeAll(List<Inner> inners) {
        for (final Inner i : inners) {
            if (i.cluster() == null) {
                continue;
            }
            try {
                i.cluster().close();
            } catch (final RuntimeException e) {
                logger.warn("cluster {}: error while closing", i.name(), e);
            }
        }
    }

    /** Connects one element of a session: an inner cluster, or the running cluster it names. */
    static Future<Stage> connect(String outer, Inner in, ConnectRequest request) {
        if (!in.named()) {
            return in.cluster().connect(request);
        }
        final NamedCluster c = in.lookup().cluster(in.name());
        if (c == null) {
            return request.eventLoop().newFailedFuture(new SessionError(404, outer + ": cluster \"" + in.name()
                    + "\" not found"));
        }
        return c.connect(request);
    }

    @Override
    public Future<Stage> connect(ConnectRequest request) {
        final EventLoop loop = request.eventLoop();
        final int n = inners.size();
        final Promise<Stage> p = loop.newPromise();
        final Stage[] got = new Stage[n];
        // One count per inner connect plus one for this method, so that synchronous completions finish only once.
        final int[] left = {n + 1};
        final Throwable[] failure = {null};
        for (int i = 0; i < n; i++) {
            final int idx = i;
            final Inner in = inners.get(i);
            final EndpointSpec ep = in.endpoint() ? request.endpoint() : null;
            final Future<Stage> f;
            try {
                f = connect(name, in, new ConnectRequest(request.sessionName(), loop, ep, request.metadata(),
                        request.timeoutMillis(), request.source()));
            } catch (final RuntimeException e) {
                failure[0] = e;
                left[0]--;
                continue;
            }
            // Inner futures complete on the session's loop, as the SPI requires: no synchronization here.
            f.addListener(x -> {
                if (x.isSuccess()) {
                    got[idx] = (Stage) x.getNow();
                } else if (failure[0] == null) {
                    failure[0] = x.cause();
                }
                if (--left[0] == 0) {
                    finish(p, got, failure[0], loop);
                }
            });
        }
        if (--left[0] == 0) {
            finish(p, got, failure[0], loop);
        }
        return p;
    }

    private void finish(Promise<Stage> p, Stage[] got, @Nullable Throwable failure, EventLoop loop) {
        if (failure != null) {
            for (final Stage s : got) {
                if (s != null) {
                    s.close(failure);
                }
            }
            p.tryFailure(failure instanceof SessionError ? failure
                    : new SessionError(502, name + ": " + failure.getMessage(), failure));
            return;
        }
        final ChainStage chain = new ChainStage(loop, got);
        if (!p.trySuccess(chain)) {
            chain.close(null);
        }
    }

    @Override
    public void close() {
        closeAll(inners);
    }

    /** What an inner cluster sees: its derived name and spec, the outer cluster's transport and registry. */
    private record InnerContext(String name, ProtocolSpec spec, ClusterContext outer) implements ClusterContext {
        @Override
        public Transport transport() {
            return outer.transport();
        }

        @Override
        public @Nullable ProtocolProvider provider(String protocol) {
            return outer.provider(protocol);
        }

        @Override
        public ProtocolSpec typed(ProtocolProvider provider, ProtocolSpec s) {
            return outer.typed(provider, s);
        }

        @Override
        public @Nullable NamedCluster cluster(String cluster) {
            return outer.cluster(cluster);
        }

        @Override
        public io.l7mp.L7mp proxy() {
            return outer.proxy();
        }
    }
}
