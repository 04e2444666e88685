package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.Stage;
import io.l7mp.spi.Transport;
import io.l7mp.transform.MetaListenerSpec;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Runs the inner listener and sets up each session it accepts as a {@link MetaSession}: the transforms wrap its
 * stage, and the session reaches the engine (the rules) once the first message went through them and the session
 * transforms ran. The elements' clusters are created when the listener starts and closed with it.
 */
final class MetaListener implements Listener {
    private final ListenerContext ctx;
    private final MetaListenerSpec spec;
    private final ClusterContext clusters;
    private final List<Composite.Element> sessionElements;
    private final List<Composite.Element> ingressElements;
    private final List<Composite.Element> egressElements;
    private final Listener inner;
    /** Set by {@link #start()}, read on session loops. */
    private volatile Parts parts = new Parts(List.of(), null, null, List.of());

    /** The created elements: session transforms, the two chains (null when empty), every inner cluster. */
    record Parts(List<Composite.Inner> session, @Nullable Composite ingress, @Nullable Composite egress,
                 List<Composite.Inner> created) {
    }

    MetaListener(ListenerContext ctx, ProtocolProvider provider, ProtocolSpec innerSpec, MetaListenerSpec spec,
                 ClusterContext clusters, List<Composite.Element> session, List<Composite.Element> ingress,
                 List<Composite.Element> egress) {
        this.ctx = ctx;
        this.spec = spec;
        this.clusters = clusters;
        this.sessionElements = session;
        this.ingressElements = ingress;
        this.egressElements = egress;
        this.inner = provider.newListener(new ListenerContext() {
            @Override
            public String name() {
                return ctx.name();
            }

            @Override
            public ProtocolSpec spec() {
                return innerSpec;
            }

            @Override
            public Transport transport() {
                return ctx.transport();
            }

            @Override
            public void newSession(String name, ObjectNode metadata, Stage source) {
                new MetaSession(MetaListener.this, name, metadata, source).start();
            }

            @Override
            public @Nullable ProtocolProvider provider(String protocol) {
                return ctx.provider(protocol);
            }

            @Override
            public ProtocolSpec typed(ProtocolProvider p, ProtocolSpec s, boolean listener) {
                return ctx.typed(p, s, listener);
            }

            @Override
            public ClusterContext clusterContext(String name, ProtocolSpec s) {
                return ctx.clusterContext(name, s);
            }

            @Override
            public io.l7mp.spi.@Nullable NamedCluster cluster(String name) {
                return ctx.cluster(name);
            }
        });
    }

    ListenerContext context() {
        return ctx;
    }

    MetaListenerSpec spec() {
        return spec;
    }

    ClusterContext clusters() {
        return clusters;
    }

    Parts parts() {
        return parts;
    }

    @Override
    public CompletableFuture<Void> start() {
        final List<Composite.Inner> created = new ArrayList<>();
        try {
            final List<Composite.Inner> session = create(sessionElements, created);
            for (int i = 0; i < session.size(); i++) {
                final Composite.Inner in = session.get(i);
                if (!in.named() && !(in.cluster() instanceof SessionHook)) {
                    throw new IllegalArgumentException("session[" + i + "].protocol: \"" + in.provider().name()
                            + "\" is not a session transform");
                }
            }
            final List<Composite.Inner> in = create(ingressElements, created);
            final List<Composite.Inner> out = create(egressElements, created);
            parts = new Parts(session, in.isEmpty() ? null : new Composite(ctx.name() + "/ingress", in),
                    out.isEmpty() ? null : new Composite(ctx.name() + "/egress", out), created);
        } catch (final RuntimeException e) {
            Composite.closeAll(created);
            return CompletableFuture.failedFuture(e);
        }
        return inner.start().whenComplete((v, e) -> {
            if (e != null) {
                Composite.closeAll(created);
            }
        });
    }

    private List<Composite.Inner> create(List<Composite.Element> elements, List<Composite.Inner> created) {
        final List<Composite.Inner> out = new ArrayList<>(elements.size());
        for (final Composite.Element e : elements) {
            if (e instanceof Composite.Inner named) {
                out.add(named);
            } else {
                final Composite.Inner c = Composite.create(clusters, (Composite.Checked) e);
                created.add(c);
                out.add(c);
            }
        }
        return out;
    }

    @Override
    public @Nullable SocketAddress localAddress() {
        return inner.localAddress();
    }

    @Override
    public CompletableFuture<Void> close() {
        return inner.close().whenComplete((v, e) -> Composite.closeAll(parts.created()));
    }
}
