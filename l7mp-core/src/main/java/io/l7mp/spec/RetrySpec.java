package io.l7mp.spec;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The {@code retry} block of a route. Fields missing from a partial block take the defaults of {@link #DEFAULT}.
 *
 * @param retryOn       when to retry
 * @param numRetries    how many times a stage is retried after its first attempt
 * @param timeoutMillis the bound of each connect attempt and the pause between attempts, in milliseconds
 */
public record RetrySpec(@JsonProperty("retry_on") RetryOn retryOn,
                        @JsonProperty("num_retries") int numRetries,
                        @JsonProperty("timeout") long timeoutMillis) {
    /** Used when a route has no {@code retry} block: never retry, one retry allowed, 2000 ms. */
    public static final RetrySpec DEFAULT = new RetrySpec(RetryOn.NEVER, 1, 2000);

    public RetrySpec {
        requireNonNull(retryOn, "retry_on");
        if (numRetries < 0) {
            throw new IllegalArgumentException("num_retries: " + numRetries + " (expected: >= 0)");
        }
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeout: " + timeoutMillis + " (expected: > 0 milliseconds)");
        }
    }

    @JsonCreator
    static RetrySpec fromJson(@JsonProperty("retry_on") @Nullable RetryOn retryOn,
                              @JsonProperty("num_retries") @Nullable Integer numRetries,
                              @JsonProperty("timeout") @Nullable Long timeoutMillis) {
        return new RetrySpec(retryOn != null ? retryOn : DEFAULT.retryOn,
                numRetries != null ? numRetries : DEFAULT.numRetries,
                timeoutMillis != null ? timeoutMillis : DEFAULT.timeoutMillis);
    }

    /** Returns a spec with this policy and the default count and timeout. */
    public static RetrySpec of(RetryOn retryOn) {
        return DEFAULT.withRetryOn(retryOn);
    }

    public RetrySpec withRetryOn(RetryOn r) {
        return new RetrySpec(r, numRetries, timeoutMillis);
    }

    public RetrySpec withNumRetries(int n) {
        return new RetrySpec(retryOn, n, timeoutMillis);
    }

    public RetrySpec withTimeout(Duration timeout) {
        return new RetrySpec(retryOn, numRetries, timeout.toMillis());
    }
}
