package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: MetaCluster}: a cluster wrapped in transforms, behaving as one cluster: what the session sends
 * goes through {@code ingress} then to {@code cluster}; what comes back goes through {@code egress}. The endpoints,
 * load balancer and retries are the outer cluster's, e.g. an "RTP/UDP" cluster:
 * <pre>{@code
 * {name: rtp-out, spec: {protocol: MetaCluster, ingress: [{protocol: RTPParser}], cluster: {protocol: UDP, port: 5004}},
 *  endpoints: [{spec: {address: 10.0.0.1}}]}
 * }</pre>
 * A transform may also be the name of a running cluster, as in a {@link MetaTransformSpec MetaTransform}.
 *
 * @param protocol "MetaCluster"
 * @param ingress  transforms applied before the cluster (may be empty): inline specs or cluster names
 * @param egress   transforms applied to what the cluster returns (may be empty): inline specs or cluster names
 * @param cluster  the wrapped cluster's spec: a protocol with endpoints (UDP, TCP, WebSocket, ...)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record MetaClusterSpec(@JsonProperty("protocol") String protocol,
                              @JsonProperty("ingress") @Nullable List<Ref<ProtocolSpec>> ingress,
                              @JsonProperty("egress") @Nullable List<Ref<ProtocolSpec>> egress,
                              @JsonProperty("cluster") ProtocolSpec cluster) implements ProtocolSpec {
    public MetaClusterSpec {
        if (protocol == null) {
            protocol = "MetaCluster";
        }
        if (cluster == null) {
            throw new IllegalArgumentException("cluster: missing (expected: the spec of the wrapped cluster)");
        }
        ingress = ingress == null ? List.of() : List.copyOf(ingress);
        egress = egress == null ? List.of() : List.copyOf(egress);
    }

    /** Returns {@code cluster} wrapped in these transforms, given inline. */
    public static MetaClusterSpec of(List<? extends ProtocolSpec> ingress, ProtocolSpec cluster,
                                     List<? extends ProtocolSpec> egress) {
        return new MetaClusterSpec("MetaCluster", MetaTransformSpec.inline(ingress),
                MetaTransformSpec.inline(egress), cluster);
    }

    /** Returns a copy whose ingress transforms are these: {@code Ref.to("cluster")} or {@code Ref.inline(spec)}. */
    public MetaClusterSpec withIngress(List<Ref<ProtocolSpec>> transforms) {
        return new MetaClusterSpec(protocol, transforms, egress, cluster);
    }

    /** Returns a copy whose egress transforms are these. */
    public MetaClusterSpec withEgress(List<Ref<ProtocolSpec>> transforms) {
        return new MetaClusterSpec(protocol, ingress, transforms, cluster);
    }
}
