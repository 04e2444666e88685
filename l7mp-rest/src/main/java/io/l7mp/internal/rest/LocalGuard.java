package io.l7mp.internal.rest;

import io.l7mp.protocol.JsonSocketSpec;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.Config;
import io.l7mp.spec.EndpointSpec;
import io.l7mp.spec.ListenerSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.Ref;
import io.l7mp.spec.RouteSpec;
import io.l7mp.spec.RuleListSpec;
import io.l7mp.spec.RuleSpec;
import io.l7mp.spi.ProtocolProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Refuses, with 403, specs arriving over the REST API that reach local resources: a listener or cluster whose
 * protocol runs processes or touches the system ({@link ProtocolProvider#touchesLocalSystem()}: Stdio, processes,
 * pipes, raw sockets), and local files ({@link ProtocolProvider#localPaths}: Unix socket paths, TLS PEM files, log
 * files; the endpoint addresses of Unix socket clusters) outside {@code admin.local_dirs}. Inline objects are checked
 * too, nested transports (JSONSocket's) included. Named references to objects that already exist are fine: whoever
 * configured the proxy allowed those. Only used when {@code admin.allow_local} is false. Knows the providers on the
 * class path only: a protocol added by hand to the builder under its own name is not checked.
 */
final class LocalGuard {
    private static volatile @Nullable Map<String, ProtocolProvider> providers;

    private final List<String> dirs;
    private final List<Path> realDirs;

    /** Returns a guard allowing files under these directories (none: every local file is refused). */
    LocalGuard(List<String> dirs) {
        this.dirs = dirs;
        this.realDirs = new ArrayList<>();
        for (final String d : dirs) {
            try {
                realDirs.add(real(Path.of(d).toAbsolutePath().normalize()));
            } catch (final InvalidPathException | IOException e) {
                // A directory that cannot be resolved allows nothing.
            }
        }
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
            m = Map.copyOf(m);
            providers = m;
        }
        return m;
    }

    /** Checks a protocol spec at {@code path} (e.g. {@code listener.spec}), and a cluster's endpoints. */
    void check(ProtocolSpec spec, String path, List<EndpointSpec> endpoints, String endpointsPath) {
        final ProtocolProvider p = providers().get(spec.protocol());
        if (p == null) {
            return;   // unknown here: validation refuses it, or it was added by hand (see the class comment)
        }
        if (p.touchesLocalSystem()) {
            throw new ApiException(403, path + ".protocol: \"" + spec.protocol() + "\" reaches local resources "
                    + "(files, processes, stdio); the REST API refuses it unless admin.allow_local is true");
        }
        if (spec instanceof JsonSocketSpec js && js.transport() != null) {
            check(js.transport(), path + ".transport", List.of(), endpointsPath);
        }
        if (!p.specType().isInstance(spec)) {
            // Bound by a provider of this name added by hand to the builder (or a nested spec not bound yet, whose
            // parent reports its files): not ours to list.
            return;
        }
        final Map<String, String> files;
        final boolean endpointFiles;
        try {
            files = p.localPaths(spec);
            endpointFiles = p.endpointsAreLocalPaths(spec);
        } catch (final RuntimeException e) {
            // Fail closed: a spec whose files cannot be listed is not created over the API.
            throw new ApiException(403, path + ": cannot tell which local files it uses (" + e.getMessage() + ")");
        }
        files.forEach((field, file) -> checkFile(file, path + "." + field));
        if (endpointFiles) {
            for (int i = 0; i < endpoints.size(); i++) {
                checkFile(endpoints.get(i).spec().address(), endpointsPath + "[" + i + "].spec.address");
            }
        }
        // A composite (MetaTransform, MetaListener, ...) reaches what its inline elements reach.
        for (final Map.Entry<String, ProtocolSpec> e : p.parts(spec).entrySet()) {
            check(e.getValue(), path + "." + e.getKey(), List.of(), endpointsPath);
        }
    }

    /** Checks an endpoint added to an existing cluster with this protocol spec; {@code path} is the endpoint's. */
    void checkEndpoint(ProtocolSpec cluster, EndpointSpec e, String path) {
        final ProtocolProvider p = providers().get(cluster.protocol());
        final boolean endpointFiles;
        try {
            endpointFiles = p != null && p.specType().isInstance(cluster) && p.endpointsAreLocalPaths(cluster);
        } catch (final RuntimeException x) {
            throw new ApiException(403, path + ": cannot tell whether it is a local file (" + x.getMessage() + ")");
        }
        if (endpointFiles) {
            checkFile(e.spec().address(), path + ".spec.address");
        }
    }

    private void checkFile(String file, String path) {
        final Path p;
        try {
            p = real(Path.of(file).toAbsolutePath().normalize());
        } catch (final InvalidPathException | IOException e) {
            throw new ApiException(403, path + ": \"" + file + "\" cannot be resolved (" + e.getMessage()
                    + "); the REST API refuses local files it cannot place in admin.local_dirs");
        }
        for (final Path d : realDirs) {
            if (p.startsWith(d) && !p.equals(d)) {
                return;
            }
        }
        throw new ApiException(403, path + ": \"" + file + "\" " + (dirs.isEmpty()
                ? "is a local file; the REST API refuses local files unless admin.local_dirs contains them or "
                        + "admin.allow_local is true"
                : "is outside admin.local_dirs " + dirs + "; the REST API refuses local files elsewhere unless "
                        + "admin.allow_local is true"));
    }

    /**
     * Returns {@code abs} with symbolic links resolved: the longest existing prefix (a link itself counts) resolved
     * by the file system, the rest appended. A dangling link fails, so that it cannot point out of a directory.
     */
    private static Path real(Path abs) throws IOException {
        Path existing = abs;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
    }

    void check(ListenerSpec l, String path) {
        check(l.spec(), path + ".spec", List.of(), path + ".endpoints");
        if (l.rules() instanceof Ref.Inline<RuleListSpec> in) {
            check(in.spec(), path + ".rules");
        }
    }

    void check(RuleListSpec rl, String path) {
        final List<Ref<RuleSpec>> rules = rl.rules();
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i) instanceof Ref.Inline<RuleSpec> in) {
                check(in.spec(), path + "[" + i + "]");
            }
        }
    }

    void check(RuleSpec r, String path) {
        if (r.action().route() instanceof Ref.Inline<RouteSpec> in) {
            check(in.spec(), path + ".action.route");
        }
    }

    void check(RouteSpec r, String path) {
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

    private void checkRef(Ref<ClusterSpec> c, String path) {
        if (c instanceof Ref.Inline<ClusterSpec> in) {
            check(in.spec(), path);
        }
    }

    void check(ClusterSpec c, String path) {
        check(c.spec(), path + ".spec", c.endpoints(), path + ".endpoints");
    }

    void check(Config cfg) {
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
