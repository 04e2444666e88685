package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Where a session goes: a destination cluster, the {@code ingress} chain (listener to destination), the
 * {@code egress} chain (destination to listener), the retry policy and the {@code session} transforms that run once
 * when the session is set up. {@code cluster} is read as an alias of {@code destination}, as l7mp does.
 *
 * @param name        required for top-level routes; generated for inline ones when absent
 * @param destination a cluster name or an inline cluster
 * @param ingress     clusters the listener-to-destination stream passes through, in order
 * @param egress      clusters the destination-to-listener stream passes through, in order
 * @param retry       the retry policy, {@link RetrySpec#DEFAULT} when absent
 * @param session     session transforms (clusters whose protocol is a {@link io.l7mp.spi.SessionHook}), run in order
 *                    after the rules chose this route and before its stages connect; they may rewrite the metadata
 *                    or pick another route
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RouteSpec(@JsonProperty("name") @Nullable String name,
                        @JsonProperty("destination") @JsonAlias("cluster") Ref<ClusterSpec> destination,
                        @JsonProperty("ingress") List<Ref<ClusterSpec>> ingress,
                        @JsonProperty("egress") List<Ref<ClusterSpec>> egress,
                        @JsonProperty("retry") @Nullable RetrySpec retry,
                        @JsonProperty("session") List<Ref<ClusterSpec>> session) {
    public RouteSpec {
        Names.check(name);
        if (destination == null) {
            throw new IllegalArgumentException("destination: missing (expected: a cluster name or a cluster)");
        }
        ingress = Lists.copyOf(ingress, "ingress", "a cluster name or a cluster");
        egress = Lists.copyOf(egress, "egress", "a cluster name or a cluster");
        session = Lists.copyOf(session, "session", "a cluster name or a cluster");
    }

    /** A route without session transforms. */
    public RouteSpec(@Nullable String name, Ref<ClusterSpec> destination, List<Ref<ClusterSpec>> ingress,
                     List<Ref<ClusterSpec>> egress, @Nullable RetrySpec retry) {
        this(name, destination, ingress, egress, retry, List.of());
    }

    /** Returns the retry policy, {@link RetrySpec#DEFAULT} when none was given. */
    public RetrySpec retryOrDefault() {
        return retry != null ? retry : RetrySpec.DEFAULT;
    }

    public RouteSpec withName(@Nullable String n) {
        return new RouteSpec(n, destination, ingress, egress, retry, session);
    }

    public RouteSpec withDestination(Ref<ClusterSpec> d) {
        return new RouteSpec(name, d, ingress, egress, retry, session);
    }

    public RouteSpec withRetry(@Nullable RetrySpec r) {
        return new RouteSpec(name, destination, ingress, egress, r, session);
    }

    /** Returns a builder for a route of this name ({@code null} for an inline route). */
    public static Builder builder(@Nullable String name) {
        return new Builder(name);
    }

    /** Builds a {@link RouteSpec}. Not thread-safe. */
    public static final class Builder {
        private @Nullable String name;
        private @Nullable Ref<ClusterSpec> destination;
        private final List<Ref<ClusterSpec>> ingress = new ArrayList<>();
        private final List<Ref<ClusterSpec>> egress = new ArrayList<>();
        private final List<Ref<ClusterSpec>> session = new ArrayList<>();
        private RetrySpec retry = RetrySpec.DEFAULT;
        private boolean retrySet;

        Builder(@Nullable String name) {
            this.name = Names.check(name);
        }

        /** Names the route. */
        public Builder name(String n) {
            this.name = Names.check(requireNonNull(n, "name"));
            return this;
        }

        /** Routes to the named cluster. */
        public Builder destination(String cluster) {
            this.destination = Ref.to(cluster);
            return this;
        }

        /** Routes to an inline cluster. */
        public Builder destination(Consumer<ClusterSpec.Builder> cluster) {
            final ClusterSpec.Builder b = ClusterSpec.builder(null);
            cluster.accept(b);
            this.destination = Ref.inline(b.build());
            return this;
        }

        /** Appends named clusters to the ingress chain. */
        public Builder ingress(String... clusters) {
            for (final String c : clusters) {
                ingress.add(Ref.to(c));
            }
            return this;
        }

        /** Appends an inline cluster to the ingress chain. */
        public Builder ingress(Consumer<ClusterSpec.Builder> cluster) {
            final ClusterSpec.Builder b = ClusterSpec.builder(null);
            cluster.accept(b);
            ingress.add(Ref.inline(b.build()));
            return this;
        }

        /** Appends named clusters to the egress chain. */
        public Builder egress(String... clusters) {
            for (final String c : clusters) {
                egress.add(Ref.to(c));
            }
            return this;
        }

        /** Appends an inline cluster to the egress chain. */
        public Builder egress(Consumer<ClusterSpec.Builder> cluster) {
            final ClusterSpec.Builder b = ClusterSpec.builder(null);
            cluster.accept(b);
            egress.add(Ref.inline(b.build()));
            return this;
        }

        /** Appends named session transforms (clusters whose protocol is a session hook). */
        public Builder session(String... clusters) {
            for (final String c : clusters) {
                session.add(Ref.to(c));
            }
            return this;
        }

        /** Appends an inline session transform. */
        public Builder session(Consumer<ClusterSpec.Builder> cluster) {
            final ClusterSpec.Builder b = ClusterSpec.builder(null);
            cluster.accept(b);
            session.add(Ref.inline(b.build()));
            return this;
        }

        /** Sets the whole retry policy. */
        public Builder retry(RetrySpec r) {
            this.retry = requireNonNull(r, "retry");
            this.retrySet = true;
            return this;
        }

        /** Sets when to retry. */
        public Builder retryOn(RetryOn r) {
            return retry(retry.withRetryOn(r));
        }

        /** Sets how many retries a stage gets. */
        public Builder numRetries(int n) {
            return retry(retry.withNumRetries(n));
        }

        /** Sets the bound of each connect attempt and the pause between attempts. */
        public Builder timeout(Duration t) {
            return retry(retry.withTimeout(t));
        }

        /** Returns the spec. */
        public RouteSpec build() {
            if (destination == null) {
                throw new IllegalArgumentException("destination: missing (expected: a cluster name or a cluster)");
            }
            return new RouteSpec(name, destination, ingress, egress, retrySet ? retry : null, session);
        }
    }
}
