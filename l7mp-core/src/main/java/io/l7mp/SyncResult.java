package io.l7mp;

import java.util.List;

/**
 * What one {@link L7mp#sync} changed, each object as {@code kind/name} ({@code cluster/workers}).
 *
 * @param added     objects the proxy did not have
 * @param changed   objects replaced or changed in place
 * @param removed   objects an earlier sync made that this one no longer has
 * @param unchanged how many objects were left as they were
 */
public record SyncResult(List<String> added, List<String> changed, List<String> removed, int unchanged) {
    public SyncResult {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
    }
}
