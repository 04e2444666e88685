package io.l7mp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a session.
 *
 * @param name        unique, protocol-specific (e.g. {@code UDP:127.0.0.1:5000-0.0.0.0:15000-1})
 * @param metadata    the session metadata after the rules ran; do not modify
 * @param status      the lifecycle status
 * @param listener    the listener that emitted it
 * @param route       the route it follows, or null before routing
 * @param source      the listener-side stage
 * @param destination the destination stage, or null before routing
 * @param ingress     the ingress chain's stages
 * @param egress      the egress chain's stages
 * @param stats       its counters
 * @param events      its event log, oldest first (bounded)
 */
public record SessionInfo(String name, JsonNode metadata, SessionStatus status, String listener,
                          @Nullable String route, StageInfo source, @Nullable StageInfo destination,
                          List<StageInfo> ingress, List<StageInfo> egress, Stats stats, List<SessionEvent> events) {
}
