package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import java.util.List;

/**
 * {@code protocol: MetaTransform} (alias {@code Chain}): several local transforms that run inline as one stage, in
 * order, e.g. {@code {protocol: MetaTransform, transforms: [{protocol: Metric}, {protocol: JSONEncap}]}}. Each element
 * is an inline spec of a protocol without endpoints (Logger, Metric, JSONEncap, your own transform, Echo as the
 * last one, ...); named as a cluster, the whole chain is reusable in any route.
 *
 * @param protocol   "MetaTransform"
 * @param transforms the transforms, first applied first; at least one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetaTransformSpec(@JsonProperty("protocol") String protocol,
                                @JsonProperty("transforms") List<ProtocolSpec> transforms) implements ProtocolSpec {
    public MetaTransformSpec {
        if (protocol == null) {
            protocol = "MetaTransform";
        }
        if (transforms == null || transforms.isEmpty()) {
            throw new IllegalArgumentException("transforms: " + (transforms == null ? "missing" : "[]")
                    + " (expected: a list of transform specs)");
        }
        transforms = List.copyOf(transforms);
    }

    /** Returns a chain of these transforms. */
    public static MetaTransformSpec of(ProtocolSpec... transforms) {
        return new MetaTransformSpec("MetaTransform", List.of(transforms));
    }
}
