package io.l7mp.internal.transform;

import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.MetaTransformSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.Set;

/** {@code MetaTransform}: a chain of transforms run inline as one stage. */
public final class MetaTransformProtocol implements ProtocolProvider {
    @Override
    public String name() {
        return "MetaTransform";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("Chain");
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return MetaTransformSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean hasEndpoints() {
        return false;
    }

    /** The elements given inline, so that a check of what the spec reaches (REST) looks into them. */
    @Override
    public Map<String, ProtocolSpec> parts(ProtocolSpec spec) {
        final Map<String, ProtocolSpec> m = new LinkedHashMap<>();
        Composite.inlineParts("transforms", ((MetaTransformSpec) spec).transforms(), m);
        return m;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final MetaTransformSpec spec = (MetaTransformSpec) ctx.spec();
        final List<Composite.Inner> inners = new ArrayList<>();
        try {
            for (int i = 0; i < spec.transforms().size(); i++) {
                inners.add(Composite.inner(ctx, "transforms[" + i + "]", spec.transforms().get(i), false));
            }
        } catch (final RuntimeException e) {
            Composite.closeAll(inners);
            throw e;
        }
        return new Composite(ctx.name(), inners);
    }
}
