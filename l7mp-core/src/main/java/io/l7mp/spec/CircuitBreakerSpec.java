package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's circuit breaker (ours): an endpoint that sessions failed to connect to {@code consecutive_failures}
 * times in a row is ejected, so that new sessions and retries go to the others, for {@code open_timeout}; then one
 * more attempt is let through, and it either closes the circuit (a connect succeeds) or ejects the endpoint again.
 * Fields missing from a partial block take the defaults of {@link #DEFAULT}.
 *
 * @param consecutiveFailures connect failures in a row that eject an endpoint
 * @param openTimeoutMillis   how long an ejected endpoint gets no sessions, in milliseconds
 */
public record CircuitBreakerSpec(@JsonProperty("consecutive_failures") int consecutiveFailures,
                                 @JsonProperty("open_timeout") long openTimeoutMillis) {
    /** 5 failures in a row eject an endpoint for 30 s. */
    public static final CircuitBreakerSpec DEFAULT = new CircuitBreakerSpec(5, 30_000);

    public CircuitBreakerSpec {
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutive_failures: " + consecutiveFailures + " (expected: >= 1)");
        }
        if (openTimeoutMillis <= 0) {
            throw new IllegalArgumentException("open_timeout: " + openTimeoutMillis + " (expected: > 0 milliseconds)");
        }
    }

    @JsonCreator
    static CircuitBreakerSpec fromJson(@JsonProperty("consecutive_failures") @Nullable Integer consecutiveFailures,
                                       @JsonProperty("open_timeout") @Nullable Long openTimeoutMillis) {
        return new CircuitBreakerSpec(consecutiveFailures != null ? consecutiveFailures : DEFAULT.consecutiveFailures,
                openTimeoutMillis != null ? openTimeoutMillis : DEFAULT.openTimeoutMillis);
    }

    /** Returns a breaker that ejects after {@code failures} failures in a row for {@code open}. */
    public static CircuitBreakerSpec of(int failures, Duration open) {
        return new CircuitBreakerSpec(failures, open.toMillis());
    }
}
