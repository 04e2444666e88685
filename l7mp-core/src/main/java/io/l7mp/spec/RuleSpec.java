package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A match-action rule. {@code match} is a JSON predicate over session metadata (l7mp's ops: {@code test},
 * {@code contains}, {@code starts}, {@code ends}, {@code matches}, {@code less}, {@code more}, {@code in},
 * {@code contained}, {@code intersects}, {@code defined}, {@code undefined}, {@code type}, {@code and}, {@code or},
 * {@code not}); absent means match-all. Predicates are compiled once, when the rule is added.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RuleSpec(@JsonProperty("name") @Nullable String name,
                       @JsonProperty("match") @Nullable JsonNode match,
                       @JsonProperty("action") ActionSpec action) {
    public RuleSpec {
        Names.check(name);
        if (action == null) {
            throw new IllegalArgumentException("action: missing (expected: {route: ..., rewrite: [...], apply: ...})");
        }
        match = match == null || match.isNull() || match.isMissingNode() ? null : match.deepCopy();
    }

    public RuleSpec withName(@Nullable String n) {
        return new RuleSpec(n, match, action);
    }

    public RuleSpec withAction(ActionSpec a) {
        return new RuleSpec(name, match, a);
    }

    /** Returns a builder for a rule of this name ({@code null} for an inline rule). */
    public static Builder builder(@Nullable String name) {
        return new Builder(name);
    }

    /** Builds a {@link RuleSpec}. Not thread-safe. */
    public static final class Builder {
        private static final ObjectMapper JSON = new ObjectMapper();
        private @Nullable String name;
        private @Nullable JsonNode match;
        private final List<RewriteSpec> rewrite = new ArrayList<>();
        private @Nullable Ref<RouteSpec> route;
        private @Nullable String apply;

        Builder(@Nullable String name) {
            this.name = Names.check(name);
        }

        /** Names the rule. */
        public Builder name(String n) {
            this.name = Names.check(requireNonNull(n, "name"));
            return this;
        }

        /** Sets the match predicate. */
        public Builder match(JsonNode predicate) {
            this.match = requireNonNull(predicate, "match");
            return this;
        }

        /** Sets the match predicate from JSON text, e.g. {@code {"op":"test","path":"/UDP/src_port","value":5}}. */
        public Builder match(String predicateJson) {
            try {
                return match(JSON.readTree(predicateJson));
            } catch (final Exception e) {
                throw new IllegalArgumentException("match: " + predicateJson + " (expected: a JSON predicate)", e);
            }
        }

        /** Sets the match to {@code {op: test, path, value}}. */
        public Builder matchTest(String path, Object value) {
            return match(JsonNodeFactory.instance.objectNode().put("op", "test").put("path", path)
                    .set("value", JSON.valueToTree(value)));
        }

        /** Appends a metadata rewrite. */
        public Builder rewrite(String path, Object value) {
            rewrite.add(RewriteSpec.of(path, JSON.valueToTree(value)));
            return this;
        }

        /** Routes matching sessions over the named route. */
        public Builder route(String routeName) {
            this.route = Ref.to(routeName);
            return this;
        }

        /** Routes matching sessions over an inline route. */
        public Builder route(Consumer<RouteSpec.Builder> r) {
            final RouteSpec.Builder b = RouteSpec.builder(null);
            r.accept(b);
            this.route = Ref.inline(b.build());
            return this;
        }

        /** Defers the lookup to the named RuleList. */
        public Builder apply(String ruleList) {
            this.apply = requireNonNull(ruleList, "apply");
            return this;
        }

        /** Returns the spec. */
        public RuleSpec build() {
            return new RuleSpec(name, match, new ActionSpec(rewrite, route, apply));
        }
    }
}
