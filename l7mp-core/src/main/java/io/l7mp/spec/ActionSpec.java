package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code action} of a rule: metadata rewrites, applied in order, then either {@code apply} (defer to another
 * RuleList, which wins) or {@code route}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ActionSpec(@JsonProperty("rewrite") List<RewriteSpec> rewrite,
                         @JsonProperty("route") @Nullable Ref<RouteSpec> route,
                         @JsonProperty("apply") @Nullable String apply) {
    public ActionSpec {
        rewrite = Lists.copyOf(rewrite, "rewrite", "a rewrite {path, value}");
        if (apply != null) {
            Names.check(apply);
        }
    }

    public ActionSpec withRoute(@Nullable Ref<RouteSpec> r) {
        return new ActionSpec(rewrite, r, apply);
    }
}
