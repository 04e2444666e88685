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
import java.util.Map;
import java.util.LinkedHashMap;

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

    /** The elements given inline, so that a check of what the spec reaches (REST) looks into them. */
    @Override
    public Map<String, ProtocolSpec> parts(ProtocolSpec spec) {
        final MetaClusterSpec s = (MetaClusterSpec) spec;
        final Map<String, ProtocolSpec> m = new LinkedHashMap<>();
        Composite.inlineParts("ingress", s.ingress(), m);
        m.put("cluster", s.cluster());
        Composite.inlineParts("egress", s.egress(), m);
        return m;
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
