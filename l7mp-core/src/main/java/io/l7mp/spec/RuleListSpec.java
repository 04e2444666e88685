package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** An ordered list of rules; the first whose match holds decides a session's route. */
public record RuleListSpec(@JsonProperty("name") @Nullable String name,
                           @JsonProperty("rules") List<Ref<RuleSpec>> rules) {
    public RuleListSpec {
        Names.check(name);
        rules = Lists.copyOf(rules, "rules", "a rule name or a rule");
    }

    public RuleListSpec withName(@Nullable String n) {
        return new RuleListSpec(n, rules);
    }

    public RuleListSpec withRules(List<Ref<RuleSpec>> r) {
        return new RuleListSpec(name, r);
    }
}
