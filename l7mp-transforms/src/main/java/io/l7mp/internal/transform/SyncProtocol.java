package io.l7mp.internal.transform;

import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.PseudoClusterProvider;
import io.l7mp.transform.SyncSpec;

/** {@code Sync}: a rendezvous point joining sessions with the same metadata value into one broadcast domain. */
public final class SyncProtocol extends PseudoClusterProvider {
    public SyncProtocol() {
        super("Sync");
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return SyncSpec.class;
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        return new SyncCluster(ctx.name(), (SyncSpec) ctx.spec());
    }
}
