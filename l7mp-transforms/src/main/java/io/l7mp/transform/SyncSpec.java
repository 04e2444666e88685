package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: Sync}: a rendezvous point. Sessions whose metadata has the same value at {@code query} join one
 * broadcast domain: what one member writes goes to every other member, message boundaries kept. A session waits in
 * connect until the domain has {@code min_members} members, bounded by its route's {@code retry.timeout}; then it
 * connects alone, as l7mp does, and a peer that joins later connects at once.
 *
 * @param protocol   "Sync"
 * @param query      a metadata path such as {@code /labels/session_id} or {@code HTTP/headers/id} (leading slash
 *                   optional, as in l7mp)
 * @param minMembers how many members a domain needs before its members connect; default 2; 1 connects at once, as
 *                   l7mp does (a lone member's messages are dropped)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SyncSpec(@JsonProperty("protocol") String protocol,
                       @JsonProperty("query") String query,
                       @JsonProperty("min_members") @Nullable Integer minMembers) implements ProtocolSpec {
    /** Members a domain needs, by default, before they connect. */
    public static final int DEFAULT_MIN_MEMBERS = 2;

    public SyncSpec {
        if (protocol == null) {
            protocol = "Sync";
        }
        if (query == null || query.replace("/", "").isEmpty()) {
            throw new IllegalArgumentException("query: " + (query == null ? "missing" : "\"" + query + "\"")
                    + " (expected: a metadata path such as /labels/session_id)");
        }
        if (minMembers != null && minMembers < 1) {
            throw new IllegalArgumentException("min_members: " + minMembers + " (expected: >= 1)");
        }
    }

    /** Returns a spec on this metadata path. */
    public static SyncSpec query(String query) {
        return new SyncSpec("Sync", query, null);
    }

    /** Returns a copy that waits for this many members. */
    public SyncSpec withMinMembers(int n) {
        return new SyncSpec(protocol, query, n);
    }

    /** Returns {@code min_members} or its default. */
    public int minMembersOrDefault() {
        return minMembers == null ? DEFAULT_MIN_MEMBERS : minMembers;
    }
}
