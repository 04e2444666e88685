package io.l7mp.internal.engine;

import io.l7mp.spi.ProtocolProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** Protocol providers by name and alias. Immutable; the default one loads once with the SPI's class loader. */
public final class ProtocolRegistry {
    private static volatile @Nullable ProtocolRegistry defaults;

    private final Map<String, ProtocolProvider> byName;
    private final List<String> names;

    private ProtocolRegistry(Map<String, ProtocolProvider> byName) {
        this.byName = Map.copyOf(byName);
        final TreeSet<String> n = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        n.addAll(byName.keySet());
        this.names = List.copyOf(n);
    }

    /** Returns the providers found by {@link ServiceLoader} on the class path. */
    public static ProtocolRegistry defaults() {
        ProtocolRegistry r = defaults;
        if (r == null) {
            final List<ProtocolProvider> found = new ArrayList<>();
            ServiceLoader.load(ProtocolProvider.class, ProtocolProvider.class.getClassLoader()).forEach(found::add);
            r = of(found);
            defaults = r;
        }
        return r;
    }

    /** Builds a registry; two providers with one name and one priority is an error naming both classes. */
    public static ProtocolRegistry of(Collection<? extends ProtocolProvider> providers) {
        final Map<String, ProtocolProvider> m = new HashMap<>();
        for (final ProtocolProvider p : providers) {
            final List<String> keys = new ArrayList<>();
            keys.add(p.name());
            keys.addAll(p.aliases());
            for (final String k : keys) {
                final ProtocolProvider old = m.get(k);
                if (old == null || old.priority() < p.priority()) {
                    m.put(k, p);
                } else if (old.priority() == p.priority() && old.getClass() != p.getClass()) {
                    throw new IllegalStateException("protocol \"" + k + "\" is provided by both "
                            + old.getClass().getName() + " and " + p.getClass().getName() + " with priority "
                            + p.priority());
                }
            }
        }
        return new ProtocolRegistry(m);
    }

    /** Returns a registry with these providers added (they win over same-named ones). */
    public ProtocolRegistry with(Collection<? extends ProtocolProvider> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        final Map<String, ProtocolProvider> m = new HashMap<>(byName);
        for (final ProtocolProvider p : extra) {
            m.put(p.name(), p);
            for (final String a : p.aliases()) {
                m.put(a, p);
            }
        }
        return new ProtocolRegistry(m);
    }

    /** Returns the provider of this protocol name or alias, or null. */
    public @Nullable ProtocolProvider find(String name) {
        return byName.get(name);
    }

    /** Returns every known name and alias, sorted. */
    public List<String> names() {
        return names;
    }

    /** Returns the message for an unknown protocol name. */
    public String unknown(String name) {
        return "\"" + name + "\" (expected: one of " + names
                + (find("UDP") == null ? "; is l7mp-protocols on the class path?)" : ")");
    }
}
