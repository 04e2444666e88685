package io.l7mp.internal.engine;

import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.ListenerEntry;
import io.l7mp.internal.engine.Entries.RouteEntry;
import io.l7mp.internal.engine.Entries.RuleEntry;
import io.l7mp.internal.engine.Entries.RuleListEntry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An immutable snapshot of the configuration: what readers and the data path see. */
record State(Map<String, ListenerEntry> listeners, Map<String, ClusterEntry> clusters,
             Map<String, RuleListEntry> rulelists, Map<String, RuleEntry> rules, Map<String, RouteEntry> routes) {
    static final State EMPTY = new State(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    static <V> Map<String, V> freeze(LinkedHashMap<String, V> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
