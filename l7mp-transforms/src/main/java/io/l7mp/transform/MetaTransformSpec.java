package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code protocol: MetaTransform} (alias {@code Chain}): several transforms that run as one stage, in order, e.g.
 * {@code {protocol: MetaTransform, transforms: [{protocol: Metric}, json-encap]}}. An element is an inline spec of a
 * protocol without endpoints (Logger, Metric, JSONEncap, your own transform, Echo as the last one, ...), or the name
 * of a running cluster, looked up for each session (any cluster: one with endpoints is reached as a route's hop
 * reaches it, with its own load balancer). Named as a cluster, the whole chain is reusable in any route.
 *
 * @param protocol   "MetaTransform"
 * @param transforms the elements, first applied first; at least one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetaTransformSpec(@JsonProperty("protocol") String protocol,
                                @JsonProperty("transforms") List<Ref<ProtocolSpec>> transforms)
        implements ProtocolSpec {
    public MetaTransformSpec {
        if (protocol == null) {
            protocol = "MetaTransform";
        }
        if (transforms == null || transforms.isEmpty()) {
            throw new IllegalArgumentException("transforms: " + (transforms == null ? "missing" : "[]")
                    + " (expected: a list of transform specs or cluster names)");
        }
        transforms = List.copyOf(transforms);
    }

    /** Returns a chain of these transforms, given inline. */
    public static MetaTransformSpec of(ProtocolSpec... transforms) {
        return new MetaTransformSpec("MetaTransform", inline(List.of(transforms)));
    }

    /** Returns a chain of these elements: {@code Ref.to("cluster")} or {@code Ref.inline(spec)}. */
    @SafeVarargs
    public static MetaTransformSpec of(Ref<ProtocolSpec>... elements) {
        return new MetaTransformSpec("MetaTransform", List.of(elements));
    }

    /** Returns the specs as inline elements. */
    static List<Ref<ProtocolSpec>> inline(List<? extends ProtocolSpec> specs) {
        final List<Ref<ProtocolSpec>> l = new ArrayList<>(specs.size());
        for (final ProtocolSpec s : specs) {
            l.add(Ref.inline(s));
        }
        return l;
    }
}
