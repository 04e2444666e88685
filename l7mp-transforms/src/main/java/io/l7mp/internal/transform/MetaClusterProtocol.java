package io.l7mp.internal.transform;

import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.MetaClusterSpec;
import java.util.ArrayList;
import java.util.List;

/** {@code MetaCluster}: a cluster with endpoints wrapped in ingress and egress transforms, behaving as one cluster. */
public final class MetaClusterProtocol implements ProtocolProvider {
    @Override
    public String name() {
        return "MetaCluster";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return MetaClusterSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    /** Conservatively true: an element may write files or run processes. */
    @Override
    public boolean touchesLocalSystem() {
        return true;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final MetaClusterSpec spec = (MetaClusterSpec) ctx.spec();
        final List<Composite.Inner> inners = new ArrayList<>();
        try {
            for (int i = 0; i < spec.ingress().size(); i++) {
                inners.add(Composite.inner(ctx, "ingress[" + i + "]", spec.ingress().get(i), false));
            }
            inners.add(Composite.inner(ctx, "cluster", Ref.inline(spec.cluster()), true));
            for (int i = 0; i < spec.egress().size(); i++) {
                inners.add(Composite.inner(ctx, "egress[" + i + "]", spec.egress().get(i), false));
            }
        } catch (final RuntimeException e) {
            Composite.closeAll(inners);
            throw e;
        }
        return new Composite(ctx.name(), inners);
    }
}
