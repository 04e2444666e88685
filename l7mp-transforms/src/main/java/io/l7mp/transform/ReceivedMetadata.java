package io.l7mp.transform;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.UnstableApi;
import io.l7mp.internal.transform.DecapMetadata;
import java.util.Map;
import java.util.Optional;

/**
 * The metadata that JSONDecap stages received in JSONEncap envelopes, per session: the sender's session metadata,
 * "restored" on this side. A session's own metadata is fixed once it is routed, so the received copy does not change
 * routing here; it is kept for the application (and logged at DEBUG when it changes). An entry lives while the
 * session's JSONDecap stage does; with several JSONDecap stages in one session, the latest envelope wins.
 */
@UnstableApi
public final class ReceivedMetadata {
    private ReceivedMetadata() {
    }

    /** Returns the metadata the session last received in an envelope, if any. Any thread; do not modify it. */
    public static Optional<JsonNode> of(String sessionName) {
        return Optional.ofNullable(DecapMetadata.get(sessionName));
    }

    /** Returns a snapshot of every session's received metadata. */
    public static Map<String, JsonNode> all() {
        return DecapMetadata.all();
    }
}
