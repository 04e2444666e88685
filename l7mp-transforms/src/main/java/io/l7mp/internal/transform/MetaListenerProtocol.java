package io.l7mp.internal.transform;

import io.l7mp.ConfigException;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.MetaListenerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/** {@code MetaListener}: a listener plus transforms behaving as one listener. */
public final class MetaListenerProtocol implements ProtocolProvider {
    @Override
    public String name() {
        return "MetaListener";
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return MetaListenerSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    public boolean hasListener() {
        return true;
    }

    /** The elements given inline, so that a check of what the spec reaches (REST) looks into them. */
    @Override
    public Map<String, ProtocolSpec> parts(ProtocolSpec spec) {
        final MetaListenerSpec s = (MetaListenerSpec) spec;
        final Map<String, ProtocolSpec> m = new LinkedHashMap<>();
        m.put("listener", s.listener());
        Composite.inlineParts("session", s.session(), m);
        Composite.inlineParts("ingress", s.ingress(), m);
        Composite.inlineParts("egress", s.egress(), m);
        return m;
    }

    /**
     * Checks the inner listener and every inline element, creating nothing: the elements' clusters are created when
     * the listener starts. Errors are {@link IllegalArgumentException}s naming the field under {@code spec}.
     */
    @Override
    public Listener newListener(ListenerContext ctx) {
        final MetaListenerSpec spec = (MetaListenerSpec) ctx.spec();
        final ProtocolSpec ls = spec.listener();
        final ProtocolProvider p = ctx.provider(ls.protocol());
        if (p == null || !p.hasListener()) {
            throw new IllegalArgumentException("listener.protocol: \"" + ls.protocol() + "\" (expected: "
                    + (p == null ? "a known protocol" : "a protocol that can listen, such as UDP") + ")");
        }
        if (!p.isAvailable()) {
            throw new IllegalArgumentException("listener.protocol: \"" + ls.protocol() + "\" is not available here: "
                    + p.unavailableReason());
        }
        final ProtocolSpec inner;
        try {
            inner = ctx.typed(p, ls, true);
        } catch (final ConfigException e) {
            throw new IllegalArgumentException(e.under("listener").getMessage(), e);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("listener." + e.getMessage(), e);
        }
        final ClusterContext cc = ctx.clusterContext(ctx.name(), spec);
        return new MetaListener(ctx, p, inner, spec, cc, check(cc, "session", spec.session()),
                check(cc, "ingress", spec.ingress()), check(cc, "egress", spec.egress()));
    }

    /** Returns each element checked (inline) or as a name; the inline ones are created at start. */
    private static List<Composite.Element> check(ClusterContext cc, String field,
                                                 List<Ref<ProtocolSpec>> elements) {
        final List<Composite.Element> out = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            final String path = field + "[" + i + "]";
            try {
                out.add(elements.get(i) instanceof Ref.Named<ProtocolSpec> n ? Composite.named(cc, n.name())
                        : Composite.check(cc, path, ((Ref.Inline<ProtocolSpec>) elements.get(i)).spec(), false));
            } catch (final ConfigException e) {
                // Composite names fields "spec.<path>"; the engine prefixes the listener's own spec path.
                final String p = e.path().startsWith("spec.") ? e.path().substring(5) : e.path();
                throw new IllegalArgumentException(p + ": " + e.reason(), e);
            }
        }
        return out;
    }
}
