package io.l7mp.internal.engine;

import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.ListenerEntry;
import io.l7mp.internal.engine.Entries.RouteEntry;
import io.l7mp.internal.engine.Entries.RuleEntry;
import io.l7mp.internal.engine.Entries.RuleListEntry;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** An immutable snapshot of the configuration: what readers and the data path see. */
record State(Map<String, ListenerEntry> listeners, Map<String, ClusterEntry> clusters,
             Map<String, RuleListEntry> rulelists, Map<String, RuleEntry> rules, Map<String, RouteEntry> routes) {
    static final State EMPTY = new State(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());

    /** Returns the entry of this kind and name, or null. */
    @Nullable Object entry(String kind, String name) {
        return entry(kind, name, listeners, clusters, rulelists, rules, routes);
    }

    /** Returns the entry of this kind and name in these maps (a state's, or a change's copies of them), or null. */
    static @Nullable Object entry(String kind, String name, Map<String, ?> listeners, Map<String, ?> clusters,
                                  Map<String, ?> rulelists, Map<String, ?> rules, Map<String, ?> routes) {
        return switch (kind) {
            case "listener" -> listeners.get(name);
            case "cluster" -> clusters.get(name);
            case "rulelist" -> rulelists.get(name);
            case "rule" -> rules.get(name);
            case "route" -> routes.get(name);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Calls {@code f} with the key ({@code kind:name}) and entry of every object another one defined inline. */
    void forEachGenerated(BiConsumer<String, Object> f) {
        listeners.forEach((n, e) -> {
            if (e.generated) {
                f.accept("listener:" + n, e);
            }
        });
        clusters.forEach((n, e) -> {
            if (e.generated) {
                f.accept("cluster:" + n, e);
            }
        });
        generated("rulelist", rulelists, RuleListEntry::generated, f);
        generated("rule", rules, RuleEntry::generated, f);
        generated("route", routes, RouteEntry::generated, f);
    }

    private static <V> void generated(String kind, Map<String, V> m, Predicate<V> generated,
                                      BiConsumer<String, Object> f) {
        m.forEach((n, e) -> {
            if (generated.test(e)) {
                f.accept(kind + ":" + n, e);
            }
        });
    }

    static <V> Map<String, V> freeze(LinkedHashMap<String, V> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
