package io.l7mp.internal.rest;

import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.ProtocolProvider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Refuses, with 403, specs that would create a listener or cluster whose protocol reaches local resources (Stdio,
 * processes, files: {@link ProtocolProvider#touchesLocalSystem()}), inline ones included. Named references to objects
 * that already exist are fine: whoever configured the proxy allowed those.
 */
final class LocalGuard {
    private static volatile Map<String, ProtocolProvider> providers;

    private LocalGuard() {
    }

    /** Returns the providers on the class path by name and alias (those added by hand to a builder are unknown). */
    private static Map<String, ProtocolProvider> providers() {
        Map<String, ProtocolProvider> m = providers;
        if (m == null) {
            m = new HashMap<>();
            for (final ProtocolProvider p : ServiceLoader.load(ProtocolProvider.class,
                    ProtocolProvider.class.getClassLoader())) {
                final ProtocolProvider old = m.get(p.name());
                if (old == null || old.priority() < p.priority()) {
                    m.put(p.name(), p);
                    for (final String a : p.aliases()) {
                        m.put(a, p);
                    }
                }
            }
            providers = Map.copyOf(m);
        }
        return m;
    }

    static void check(ProtocolSpec spec, String path) {
        final ProtocolProvider p = providers().get(spec.protocol());
        if (p == null) {
            return;
        }
        if (p.touchesLocalSystem()) {
            throw new ApiException(403, path + ".protocol: \"" + spec.protocol() + "\" reaches local resources "
                    + "(files, processes, stdio); the REST API refuses it unless admin.allow_local is true");
        }
        // A composite (MetaTransform, MetaListener, ...) reaches what its inline elements reach.
        for (final Map.Entry<String, ProtocolSpec> e : p.parts(spec).entrySet()) {
            check(e.getValue(), path + "." + e.getKey());
        }
    }

    static void check(ListenerSpec l, String path) {
        check(l.spec(), path + ".spec");
        if (l.rules() instanceof Ref.Inline<RuleListSpec> in) {
            check(in.spec(), path + ".rules");
        }
    }

    static void check(RuleListSpec rl, String path) {
        final List<Ref<RuleSpec>> rules = rl.rules();
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i) instanceof Ref.Inline<RuleSpec> in) {
                check(in.spec(), path + "[" + i + "]");
            }
        }
    }

    static void check(RuleSpec r, String path) {
        if (r.action().route() instanceof Ref.Inline<RouteSpec> in) {
            check(in.spec(), path + ".action.route");
        }
    }

    static void check(RouteSpec r, String path) {
        checkRef(r.destination(), path + ".destination");
        for (int i = 0; i < r.session().size(); i++) {
            checkRef(r.session().get(i), path + ".session[" + i + "]");
        }
        for (int i = 0; i < r.ingress().size(); i++) {
            checkRef(r.ingress().get(i), path + ".ingress[" + i + "]");
        }
        for (int i = 0; i < r.egress().size(); i++) {
            checkRef(r.egress().get(i), path + ".egress[" + i + "]");
        }
    }

    private static void checkRef(Ref<ClusterSpec> c, String path) {
        if (c instanceof Ref.Inline<ClusterSpec> in) {
            check(in.spec(), path);
        }
    }

    static void check(ClusterSpec c, String path) {
        check(c.spec(), path + ".spec");
    }

    static void check(Config cfg) {
        for (int i = 0; i < cfg.listeners().size(); i++) {
            check(cfg.listeners().get(i), "listeners[" + i + "]");
        }
        for (int i = 0; i < cfg.clusters().size(); i++) {
            check(cfg.clusters().get(i), "clusters[" + i + "]");
        }
        for (int i = 0; i < cfg.rulelists().size(); i++) {
            check(cfg.rulelists().get(i), "rulelists[" + i + "].rules");
        }
        for (int i = 0; i < cfg.rules().size(); i++) {
            check(cfg.rules().get(i), "rules[" + i + "]");
        }
        for (int i = 0; i < cfg.routes().size(); i++) {
            check(cfg.routes().get(i), "routes[" + i + "]");
        }
    }
}
