package io.l7mp.transform;

import io.l7mp.UnstableApi;
import io.l7mp.internal.transform.MetricRegistry;
import io.l7mp.internal.transform.MetricRegistry.ClusterCounters;
import io.l7mp.internal.transform.MetricRegistry.SessionCounter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The counts of the {@code Metric} clusters of every proxy in this JVM, keyed by cluster name: per live session, and
 * in total (ended sessions included). Reading is lock-free and safe from any thread; counts are exact once a session
 * is quiet and may lag by the messages in flight otherwise.
 *
 * <pre>{@code
 * ClusterMetrics m = Metrics.snapshot().get("metric");
 * long bytes = m.bytes();                                   // all sessions, ended ones included
 * long packets = m.sessions().get(sessionName).packets();   // one live session
 * String text = Metrics.prometheus();                       // Prometheus text exposition format
 * }</pre>
 */
@UnstableApi
public final class Metrics {
    /** Prometheus name of the per-cluster byte total (ended sessions included). */
    public static final String CLUSTER_BYTES = "l7mp_metric_cluster_bytes_total";
    /** Prometheus name of the per-cluster message total (ended sessions included). */
    public static final String CLUSTER_PACKETS = "l7mp_metric_cluster_packets_total";

    private Metrics() {
    }

    /**
     * The counts of one Metric cluster.
     *
     * @param cluster           the cluster's name
     * @param byteCounterName   its Prometheus byte counter name ({@code session_byte_counter_total} by default)
     * @param packetCounterName its Prometheus message counter name ({@code session_packet_counter_total} by default)
     * @param bytes             bytes counted, ended sessions included
     * @param packets           messages counted, ended sessions included
     * @param sessions          the live sessions' counts, by session name
     */
    public record ClusterMetrics(String cluster, String byteCounterName, String packetCounterName, long bytes,
                                 long packets, Map<String, SessionMetrics> sessions) {
    }

    /**
     * The counts of one live session on one Metric cluster (a session that has the cluster twice in its chains counts
     * both passages).
     */
    public record SessionMetrics(String session, long bytes, long packets) {
    }

    /** Returns the counts of every Metric cluster, by cluster name, sorted. */
    public static Map<String, ClusterMetrics> snapshot() {
        final Map<String, ClusterMetrics> out = new TreeMap<>();
        for (final ClusterCounters c : MetricRegistry.clusters()) {
            final Map<String, SessionMetrics> sessions = new TreeMap<>();
            long bytes = c.endedBytes();
            long packets = c.endedPackets();
            for (final SessionCounter s : c.sessions()) {
                final long b = s.bytes();
                final long p = s.packets();
                sessions.put(s.name, new SessionMetrics(s.name, b, p));
                bytes += b;
                packets += p;
            }
            out.put(c.name, new ClusterMetrics(c.name, c.bytesName, c.packetsName, bytes, packets,
                    Collections.unmodifiableMap(sessions)));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Returns the counts in the Prometheus text format: per live session
     * {@code session_byte_counter_total{sessionName="...",clusterName="..."}} and
     * {@code session_packet_counter_total{...}} (or the names the cluster's spec gives), as l7mp exports them, plus
     * per-cluster totals {@value #CLUSTER_BYTES} and {@value #CLUSTER_PACKETS} {@code {clusterName="..."}}.
     */
    public static String prometheus() {
        final Map<String, List<String>> families = new LinkedHashMap<>();
        for (final ClusterMetrics c : snapshot().values()) {
            final String cl = "clusterName=\"" + escape(c.cluster()) + "\"";
            for (final SessionMetrics s : c.sessions().values()) {
                final String labels = "{sessionName=\"" + escape(s.session()) + "\"," + cl + "}";
                families.computeIfAbsent(c.byteCounterName(), k -> new ArrayList<>())
                        .add(c.byteCounterName() + labels + " " + s.bytes());
                families.computeIfAbsent(c.packetCounterName(), k -> new ArrayList<>())
                        .add(c.packetCounterName() + labels + " " + s.packets());
            }
            families.computeIfAbsent(CLUSTER_BYTES, k -> new ArrayList<>())
                    .add(CLUSTER_BYTES + "{" + cl + "} " + c.bytes());
            families.computeIfAbsent(CLUSTER_PACKETS, k -> new ArrayList<>())
                    .add(CLUSTER_PACKETS + "{" + cl + "} " + c.packets());
        }
        final StringBuilder sb = new StringBuilder();
        families.forEach((name, lines) -> {
            sb.append("# TYPE ").append(name).append(" counter\n");
            lines.forEach(l -> sb.append(l).append('\n'));
        });
        return sb.toString();
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
