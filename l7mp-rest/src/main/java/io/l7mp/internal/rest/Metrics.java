package io.l7mp.internal.rest;

import io.l7mp.ClusterInfo;
import io.l7mp.EndpointHealth;
import io.l7mp.EndpointInfo;
import io.l7mp.L7mp;
import io.l7mp.ListenerInfo;
import io.l7mp.SessionInfo;
import io.l7mp.SessionStatus;
import io.l7mp.Stats;
import io.l7mp.spi.MetricsSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders the proxy's counters in the Prometheus text exposition format (0.0.4): per listener, cluster and endpoint
 * the {@link Stats} fields, the live sessions by status, and what each {@link MetricsSource} on the class path adds.
 * {@link #FIELDS} is also what the Micrometer binding registers, so that both show the same meters.
 */
public final class Metrics {
    /** The media type of the text format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * One Stats field as a metric.
     *
     * @param suffix the Prometheus name after {@code l7mp_<kind>_}
     * @param type   {@code counter} or {@code gauge}
     * @param help   the description, completed with " per <kind>."
     * @param value  reads the field
     */
    public record Field(String suffix, String type, String help, ToLongFunction<Stats> value) {
        /** Returns whether the field only grows. */
        public boolean counter() {
            return "counter".equals(type);
        }
    }

    /** The fields of {@link Stats} as metrics, in the order they are rendered. */
    public static final List<Field> FIELDS = List.of(
            new Field("sessions_total", "counter", "Sessions started", Stats::sessions),
            new Field("active_sessions", "gauge", "Sessions alive now", Stats::activeSessions),
            new Field("ingress_packets_total", "counter", "Messages received from the listener side",
                    Stats::ingressPackets),
            new Field("ingress_bytes_total", "counter", "Bytes received from the listener side", Stats::ingressBytes),
            new Field("egress_packets_total", "counter", "Messages received from the destination",
                    Stats::egressPackets),
            new Field("egress_bytes_total", "counter", "Bytes received from the destination", Stats::egressBytes),
            new Field("errors_total", "counter", "Sessions or stages that failed", Stats::errors),
            new Field("retries_total", "counter", "Reconnect attempts", Stats::retries));

    /** The description of {@code l7mp_endpoint_up}, here and in the Micrometer binding. */
    public static final String ENDPOINT_UP_HELP = "1 while the endpoint gets new sessions, 0 while its cluster's"
            + " health check or circuit breaker keeps it out.";

    private static final Logger logger = LoggerFactory.getLogger(Metrics.class);
    private static volatile @Nullable List<MetricsSource> sources;

    private Metrics() {
    }

    /** Returns the {@code health} label of {@code l7mp_endpoint_up}: healthy, unhealthy or ejected. */
    public static String healthLabel(EndpointHealth health) {
        return health.name().toLowerCase(Locale.ROOT);
    }

    /** Sums the sessions of a list by status, every status present (zero when none). */
    public static Map<SessionStatus, Integer> byStatus(List<SessionInfo> sessions) {
        final Map<SessionStatus, Integer> byStatus = new EnumMap<>(SessionStatus.class);
        for (final SessionStatus s : SessionStatus.values()) {
            byStatus.put(s, 0);
        }
        for (final SessionInfo s : sessions) {
            byStatus.merge(s.status(), 1, Integer::sum);
        }
        return byStatus;
    }

    /** One labelled sample source: label text and its counters. */
    private record Sample(String labels, Stats stats) {
    }

    static String render(L7mp proxy) {
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("# HELP l7mp_info The l7mp library version.\n# TYPE l7mp_info gauge\n");
        sb.append("l7mp_info{version=\"").append(escape(L7mp.VERSION)).append("\"} 1\n");
        final List<Sample> ls = new ArrayList<>();
        for (final ListenerInfo l : proxy.listeners()) {
            ls.add(new Sample("listener=\"" + escape(l.name()) + "\"", l.stats()));
        }
        final List<Sample> cs = new ArrayList<>();
        final List<Sample> es = new ArrayList<>();
        final StringBuilder up = new StringBuilder();
        for (final ClusterInfo c : proxy.clusters()) {
            cs.add(new Sample("cluster=\"" + escape(c.name()) + "\"", c.stats()));
            final boolean guarded = c.spec().healthCheck() != null || c.spec().circuitBreaker() != null;
            for (final EndpointInfo e : c.endpoints()) {
                final String labels = "cluster=\"" + escape(c.name()) + "\",endpoint=\"" + escape(e.name()) + "\"";
                es.add(new Sample(labels, e.stats()));
                if (guarded) {
                    final EndpointHealth health = e.health();
                    up.append("l7mp_endpoint_up{").append(labels).append(",health=\"").append(healthLabel(health))
                            .append("\"} ").append(health == EndpointHealth.HEALTHY ? 1 : 0).append('\n');
                }
            }
        }
        family(sb, "listener", ls);
        family(sb, "cluster", cs);
        family(sb, "endpoint", es);
        if (!up.isEmpty()) {
            sb.append("# HELP l7mp_endpoint_up ").append(ENDPOINT_UP_HELP).append("\n# TYPE l7mp_endpoint_up gauge\n")
                    .append(up);
        }
        final Map<SessionStatus, Integer> byStatus = byStatus(proxy.sessions());
        sb.append("# HELP l7mp_sessions Sessions in the session list, by status.\n# TYPE l7mp_sessions gauge\n");
        byStatus.forEach((k, v) -> sb.append("l7mp_sessions{status=\"").append(k.name()).append("\"} ").append(v)
                .append('\n'));
        for (final MetricsSource m : sources()) {
            try {
                sb.append(m.prometheus());
            } catch (final RuntimeException e) {
                logger.warn("metrics source {} failed: {}", m.getClass().getName(), e.toString());
            }
        }
        return sb.toString();
    }

    /** The metric families other modules add (the Metric transform's counters), found once on the class path. */
    private static List<MetricsSource> sources() {
        List<MetricsSource> l = sources;
        if (l == null) {
            final List<MetricsSource> found = new ArrayList<>();
            ServiceLoader.load(MetricsSource.class, MetricsSource.class.getClassLoader()).forEach(found::add);
            l = List.copyOf(found);
            sources = l;
        }
        return l;
    }

    private static void family(StringBuilder sb, String kind, List<Sample> samples) {
        for (final Field f : FIELDS) {
            final String name = "l7mp_" + kind + "_" + f.suffix();
            sb.append("# HELP ").append(name).append(' ').append(f.help()).append(" per ").append(kind)
                    .append(".\n# TYPE ").append(name).append(' ').append(f.type()).append('\n');
            for (final Sample s : samples) {
                sb.append(name).append('{').append(s.labels()).append("} ").append(f.value().applyAsLong(s.stats()))
                        .append('\n');
            }
        }
    }

    /** Escapes a label value: backslash, double quote and line feed. */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
