package io.l7mp;

import org.jspecify.annotations.Nullable;

/**
 * One stage of a session as seen from outside.
 *
 * @param origin   the listener or cluster the stage belongs to
 * @param endpoint the endpoint's name, or null for the source and for clusters without endpoints
 * @param peer     the peer address, when there is one
 * @param status   INIT, CONNECTED, READY, DISCONNECTED, RETRYING or END (l7mp's stage states)
 */
public record StageInfo(String origin, @Nullable String endpoint, String peer, String status) {
}
