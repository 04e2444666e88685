package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's active health check (ours): every {@code interval} each endpoint is probed through the cluster's own
 * protocol (a TCP or Unix-socket connect, a WebSocket upgrade, a TLS handshake...), optionally followed by sending
 * {@code send} and waiting for any answer. An endpoint that fails {@code unhealthy_threshold} probes in a row gets no
 * new sessions until it passes {@code healthy_threshold} in a row. Fields missing from a partial block take the
 * defaults of {@link #DEFAULT}.
 *
 * @param intervalMillis     pause between two probes of an endpoint, in milliseconds
 * @param timeoutMillis      bound of one probe (connect plus answer), in milliseconds
 * @param healthyThreshold   passed probes in a row that make an unhealthy endpoint healthy again
 * @param unhealthyThreshold failed probes in a row that make an endpoint unhealthy
 * @param send               a message sent once connected, whose answer (any) passes the probe; required where a
 *                           connect proves nothing (UDP, Unix datagram sockets)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthCheckSpec(@JsonProperty("interval") long intervalMillis,
                              @JsonProperty("timeout") long timeoutMillis,
                              @JsonProperty("healthy_threshold") int healthyThreshold,
                              @JsonProperty("unhealthy_threshold") int unhealthyThreshold,
                              @JsonProperty("send") @Nullable String send) {
    /** 5 s between probes, 1 s per probe, 2 passes to recover, 3 failures to fail, no message. */
    public static final HealthCheckSpec DEFAULT = new HealthCheckSpec(5000, 1000, 2, 3, null);

    public HealthCheckSpec {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("interval: " + intervalMillis + " (expected: > 0 milliseconds)");
        }
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeout: " + timeoutMillis + " (expected: > 0 milliseconds)");
        }
        if (healthyThreshold < 1) {
            throw new IllegalArgumentException("healthy_threshold: " + healthyThreshold + " (expected: >= 1)");
        }
        if (unhealthyThreshold < 1) {
            throw new IllegalArgumentException("unhealthy_threshold: " + unhealthyThreshold + " (expected: >= 1)");
        }
        if (send != null && send.isEmpty()) {
            throw new IllegalArgumentException("send: empty (expected: a message the endpoint answers, or no send)");
        }
    }

    @JsonCreator
    static HealthCheckSpec fromJson(@JsonProperty("interval") @Nullable Long intervalMillis,
                                    @JsonProperty("timeout") @Nullable Long timeoutMillis,
                                    @JsonProperty("healthy_threshold") @Nullable Integer healthyThreshold,
                                    @JsonProperty("unhealthy_threshold") @Nullable Integer unhealthyThreshold,
                                    @JsonProperty("send") @Nullable String send) {
        return new HealthCheckSpec(intervalMillis != null ? intervalMillis : DEFAULT.intervalMillis,
                timeoutMillis != null ? timeoutMillis : DEFAULT.timeoutMillis,
                healthyThreshold != null ? healthyThreshold : DEFAULT.healthyThreshold,
                unhealthyThreshold != null ? unhealthyThreshold : DEFAULT.unhealthyThreshold, send);
    }

    /** Returns the default check with this interval and timeout. */
    public static HealthCheckSpec every(Duration interval, Duration timeout) {
        return new HealthCheckSpec(interval.toMillis(), timeout.toMillis(), DEFAULT.healthyThreshold,
                DEFAULT.unhealthyThreshold, null);
    }

    public HealthCheckSpec withThresholds(int healthy, int unhealthy) {
        return new HealthCheckSpec(intervalMillis, timeoutMillis, healthy, unhealthy, send);
    }

    public HealthCheckSpec withSend(@Nullable String message) {
        return new HealthCheckSpec(intervalMillis, timeoutMillis, healthyThreshold, unhealthyThreshold, message);
    }
}
