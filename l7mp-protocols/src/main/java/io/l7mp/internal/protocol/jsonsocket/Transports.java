package io.l7mp.internal.protocol.jsonsocket;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Finds the provider of a JSONSocket transport by protocol name or alias, among the providers on the class path
 * (highest priority wins, as in the engine), so that any datagram protocol a jar registers (UDP, Unix datagram, ...)
 * can carry JSONSocket without a change here.
 */
final class Transports {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static volatile @Nullable Map<String, ProtocolProvider> byName;

    private Transports() {
    }

    /** Returns the provider of this name or alias, or null; no checks. */
    static @Nullable ProtocolProvider lookup(String name) {
        return providers().get(name);
    }

    /** Returns the provider of a usable datagram transport; throws with a {@code transport.protocol} message. */
    static ProtocolProvider find(String name, boolean listener) {
        final ProtocolProvider p = providers().get(name);
        if (p == null || p instanceof JsonSocketProtocol) {
            throw new IllegalArgumentException("transport.protocol: \"" + name + "\" (expected: one of "
                    + datagramNames() + ")");
        }
        if (p.streamKind() != StreamKind.DATAGRAM) {
            throw new IllegalArgumentException("transport.protocol: \"" + name + "\" keeps no message boundaries "
                    + "(expected: a datagram protocol, one of " + datagramNames() + ")");
        }
        if (listener ? !p.hasListener() : !p.hasCluster()) {
            throw new IllegalArgumentException("transport.protocol: \"" + name + "\" cannot be used as a "
                    + (listener ? "listener" : "cluster"));
        }
        if (!p.isAvailable()) {
            throw new IllegalArgumentException("transport.protocol: \"" + name + "\" is not available here: "
                    + p.unavailableReason());
        }
        return p;
    }

    /**
     * Returns {@code spec} as the provider's record, converting a generic one (e.g. {@code ProtocolSpec.of("UDP")}),
     * and checks it for the role; errors are prefixed with {@code transport.}.
     */
    static ProtocolSpec typed(ProtocolProvider p, ProtocolSpec spec, boolean listener) {
        final ProtocolSpec s = convert(p, spec);
        try {
            p.validate(s, listener);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("transport." + e.getMessage(), e);
        }
        return s;
    }

    /** Returns {@code spec} as the provider's record; errors are prefixed with {@code transport.}. */
    static ProtocolSpec convert(ProtocolProvider p, ProtocolSpec spec) {
        ProtocolSpec s = spec;
        if (!p.specType().isInstance(spec)) {
            try {
                s = MAPPER.convertValue(MAPPER.valueToTree(spec), p.specType());
            } catch (final IllegalArgumentException e) {
                // The record's own check ("port: 70000 (expected: ...)") is somewhere down the cause chain.
                Throwable t = e.getCause();
                while (t != null && !(t instanceof IllegalArgumentException)) {
                    t = t.getCause();
                }
                throw new IllegalArgumentException(t != null ? "transport." + t.getMessage()
                        : "transport: " + spec + " (expected: a " + p.name() + " spec)", e);
            }
        }
        return s;
    }

    private static Map<String, ProtocolProvider> providers() {
        Map<String, ProtocolProvider> m = byName;
        if (m == null) {
            m = new HashMap<>();
            for (final ProtocolProvider p : ServiceLoader.load(ProtocolProvider.class,
                    ProtocolProvider.class.getClassLoader())) {
                final List<String> keys = new ArrayList<>(p.aliases());
                keys.add(p.name());
                for (final String k : keys) {
                    final ProtocolProvider old = m.get(k);
                    if (old == null || old.priority() < p.priority()) {
                        m.put(k, p);
                    }
                }
            }
            m = Map.copyOf(m);
            byName = m;
        }
        return m;
    }

    private static List<String> datagramNames() {
        final TreeSet<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        providers().forEach((k, p) -> {
            // Only what can carry JSONSocket here: an unavailable protocol (AF_PACKET, SCTP without kernel support)
            // would be a bad suggestion.
            if (p.streamKind() == StreamKind.DATAGRAM && p.hasEndpoints() && !(p instanceof JsonSocketProtocol)
                    && p.isAvailable()) {
                names.add(k);
            }
        });
        return List.copyOf(names);
    }
}
