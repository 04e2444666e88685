package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** The store behind {@link io.l7mp.transform.ReceivedMetadata}. */
public final class DecapMetadata {
    private static final ConcurrentHashMap<String, JsonNode> BY_SESSION = new ConcurrentHashMap<>();

    private DecapMetadata() {
    }

    public static @Nullable JsonNode get(String session) {
        return BY_SESSION.get(session);
    }

    public static Map<String, JsonNode> all() {
        return Map.copyOf(BY_SESSION);
    }

    static void put(String session, JsonNode metadata) {
        BY_SESSION.put(session, metadata);
    }

    static void remove(String session, JsonNode metadata) {
        BY_SESSION.remove(session, metadata);
    }
}
