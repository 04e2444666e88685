package io.l7mp.internal.transform;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of every Metric cluster. Each session's counter is written by its own event loop only (one writer,
 * published with opaque stores: no lock, no contended atomic on the data path) and read by any thread.
 */
public final class MetricRegistry {
    private static final ConcurrentHashMap<String, ClusterCounters> CLUSTERS = new ConcurrentHashMap<>();

    private MetricRegistry() {
    }

    /** Returns the live Metric clusters. */
    public static Collection<ClusterCounters> clusters() {
        return CLUSTERS.values();
    }

    static ClusterCounters register(String cluster, String bytesName, String packetsName) {
        final ClusterCounters c = new ClusterCounters(cluster, bytesName, packetsName);
        CLUSTERS.put(cluster, c);
        return c;
    }

    static void unregister(ClusterCounters c) {
        CLUSTERS.remove(c.name, c);
    }

    /** The counters of one Metric cluster. */
    public static final class ClusterCounters {
        public final String name;
        public final String bytesName;
        public final String packetsName;
        private final LongAdder endedBytes = new LongAdder();
        private final LongAdder endedPackets = new LongAdder();
        private final ConcurrentHashMap<String, SessionCounter> sessions = new ConcurrentHashMap<>();

        ClusterCounters(String name, String bytesName, String packetsName) {
            this.name = name;
            this.bytesName = bytesName;
            this.packetsName = packetsName;
        }

        /** Returns the live sessions' counters. */
        public Collection<SessionCounter> sessions() {
            return sessions.values();
        }

        /** Returns the bytes counted for sessions that ended. */
        public long endedBytes() {
            return endedBytes.sum();
        }

        /** Returns the messages counted for sessions that ended. */
        public long endedPackets() {
            return endedPackets.sum();
        }

        /** Returns the session's counter; a session with this cluster twice in its chains shares one. */
        SessionCounter attach(String session) {
            return sessions.compute(session, (k, v) -> {
                final SessionCounter c = v == null ? new SessionCounter(k) : v;
                c.stages++;
                return c;
            });
        }

        /** Drops a stage's hold on its counter; the last one folds the counts into the cluster's ended totals. */
        void detach(SessionCounter counter) {
            sessions.computeIfPresent(counter.name, (k, v) -> {
                if (v != counter || --v.stages > 0) {
                    return v;
                }
                endedBytes.add(v.bytes());
                endedPackets.add(v.packets());
                return null;
            });
        }
    }

    /** The counts of one session on one Metric cluster. */
    public static final class SessionCounter {
        private static final VarHandle BYTES;
        private static final VarHandle PACKETS;

        static {
            try {
                final MethodHandles.Lookup l = MethodHandles.lookup();
                BYTES = l.findVarHandle(SessionCounter.class, "bytes", long.class);
                PACKETS = l.findVarHandle(SessionCounter.class, "packets", long.class);
            } catch (final ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        public final String name;
        /** Guarded by the map's compute. */
        int stages;
        @SuppressWarnings("unused")
        private long bytes;
        @SuppressWarnings("unused")
        private long packets;

        SessionCounter(String name) {
            this.name = name;
        }

        /** Counts one message. On the session's loop only. */
        void add(int n) {
            BYTES.setOpaque(this, (long) BYTES.getOpaque(this) + n);
            PACKETS.setOpaque(this, (long) PACKETS.getOpaque(this) + 1);
        }

        public long bytes() {
            return (long) BYTES.getOpaque(this);
        }

        public long packets() {
            return (long) PACKETS.getOpaque(this);
        }
    }
}
