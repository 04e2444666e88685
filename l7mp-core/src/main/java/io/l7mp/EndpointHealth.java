package io.l7mp;

/** Whether an endpoint gets new sessions, as its cluster's health check and circuit breaker see it. */
public enum EndpointHealth {
    /** Gets sessions: no check or breaker, or both let it through. */
    HEALTHY,
    /** Failed its cluster's health check {@code unhealthy_threshold} times in a row; gets no new sessions. */
    UNHEALTHY,
    /** Ejected by its cluster's circuit breaker after repeated connect failures; gets no new sessions for now. */
    EJECTED
}
