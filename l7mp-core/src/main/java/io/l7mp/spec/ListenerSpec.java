package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An ingress port: a protocol spec, the rules that route the sessions it emits, and options.
 *
 * @param name    unique among listeners
 * @param spec    the protocol and its parameters
 * @param rules   a RuleList name, or rules given inline (which become a generated {@code <name>-RuleList-<n>});
 *                required, as in l7mp ({@code []} for none yet; the builder gives {@code []} when no rule is added)
 * @param options listener options
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ListenerSpec(@JsonProperty("name") String name,
                           @JsonProperty("spec") ProtocolSpec spec,
                           @JsonProperty("rules") Ref<RuleListSpec> rules,
                           @JsonProperty("options") @Nullable ListenerOptions options) {
    public ListenerSpec {
        Names.require(name, "listener");
        if (spec == null) {
            throw new IllegalArgumentException("spec: missing (expected: {protocol: ...})");
        }
        if (rules == null) {
            // l7mp refuses it too ("Property rules is required"): such a listener would accept connections only to
            // end every one of them with "No route". [] says "none yet" on purpose and is kept.
            throw new IllegalArgumentException("rules: missing in listener \"" + name + "\" (expected: a RuleList"
                    + " name or a list of rules; [] for a listener whose rules are added later)");
        }
    }

    /** Returns the options, {@link ListenerOptions#DEFAULT} when none were given. */
    public ListenerOptions optionsOrDefault() {
        return options != null ? options : ListenerOptions.DEFAULT;
    }

    public ListenerSpec withRules(Ref<RuleListSpec> r) {
        return new ListenerSpec(name, spec, r, options);
    }

    /** Returns a builder for a listener of this name. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds a {@link ListenerSpec}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private @Nullable ProtocolSpec spec;
        private final List<Ref<RuleSpec>> rules = new ArrayList<>();
        private @Nullable String ruleList;
        private @Nullable ListenerOptions options;

        Builder(String name) {
            this.name = Names.require(name, "listener");
        }

        /** Sets the protocol spec. */
        public Builder spec(ProtocolSpec s) {
            this.spec = requireNonNull(s, "spec");
            return this;
        }

        /** Appends an inline rule. */
        public Builder rule(Consumer<RuleSpec.Builder> rule) {
            final RuleSpec.Builder b = RuleSpec.builder(null);
            rule.accept(b);
            rules.add(Ref.inline(b.build()));
            return this;
        }

        /** Appends a reference to a named rule. */
        public Builder rule(String ruleName) {
            rules.add(Ref.to(ruleName));
            return this;
        }

        /** Uses the named RuleList instead of inline rules. */
        public Builder rules(String ruleListName) {
            this.ruleList = requireNonNull(ruleListName, "rules");
            return this;
        }

        /** Keeps ended sessions visible this long. */
        public Builder track(Duration d) {
            this.options = new ListenerOptions(d.toSeconds());
            return this;
        }

        /** Returns the spec. */
        public ListenerSpec build() {
            if (spec == null) {
                throw new IllegalArgumentException("spec: missing (expected: {protocol: ...})");
            }
            if (ruleList != null && !rules.isEmpty()) {
                throw new IllegalArgumentException("rules: both a RuleList name and inline rules given");
            }
            final Ref<RuleListSpec> r = ruleList != null ? Ref.to(ruleList)
                    : Ref.inline(new RuleListSpec(null, rules));
            return new ListenerSpec(name, spec, r, options);
        }
    }
}
