package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A whole static configuration in l7mp's schema. The {@code endpoints} and {@code sessions} keys of l7mp's
 * {@code GET /api/v1/config} output are accepted and ignored, as l7mp does at startup.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties({"endpoints", "sessions"})
public record Config(@JsonProperty("admin") @Nullable AdminSpec admin,
                     @JsonProperty("listeners") List<ListenerSpec> listeners,
                     @JsonProperty("clusters") List<ClusterSpec> clusters,
                     @JsonProperty("rulelists") List<RuleListSpec> rulelists,
                     @JsonProperty("rules") List<RuleSpec> rules,
                     @JsonProperty("routes") List<RouteSpec> routes) {
    /** A configuration with nothing in it. */
    public static final Config EMPTY = new Config(null, null, null, null, null, null);

    public Config {
        listeners = Lists.copyOf(listeners, "listeners", "a listener");
        clusters = Lists.copyOf(clusters, "clusters", "a cluster");
        rulelists = Lists.copyOf(rulelists, "rulelists", "a rulelist");
        rules = Lists.copyOf(rules, "rules", "a rule");
        routes = Lists.copyOf(routes, "routes", "a route");
    }

    /** Returns the admin block, {@link AdminSpec#DEFAULT} when absent. */
    public AdminSpec adminOrDefault() {
        return admin != null ? admin : AdminSpec.DEFAULT;
    }

    public Config withAdmin(@Nullable AdminSpec a) {
        return new Config(a, listeners, clusters, rulelists, rules, routes);
    }
}
