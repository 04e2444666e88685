package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
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
 *
 * @param protocol "MetaCluster"
 * @param ingress  transforms applied before the cluster (may be empty)
 * @param egress   transforms applied to what the cluster returns (may be empty)
 * @param cluster  the wrapped cluster's spec: a protocol with endpoints (UDP, TCP, WebSocket, ...)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record MetaClusterSpec(@JsonProperty("protocol") String protocol,
                              @JsonProperty("ingress") @Nullable List<ProtocolSpec> ingress,
                              @JsonProperty("egress") @Nullable List<ProtocolSpec> egress,
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

    /** Returns {@code cluster} wrapped in these transforms. */
    public static MetaClusterSpec of(List<ProtocolSpec> ingress, ProtocolSpec cluster, List<ProtocolSpec> egress) {
        return new MetaClusterSpec("MetaCluster", ingress, egress, cluster);
    }
}
