package io.l7mp;

/**
 * Counters of a listener, cluster, endpoint or session. "Ingress" is the listener-to-cluster direction, "egress"
 * the way back. Read without locks while traffic flows: counters of live sessions may lag a little.
 *
 * @param sessions        sessions ever started through this object
 * @param activeSessions  sessions alive now
 * @param ingressPackets  messages received from the listener side
 * @param ingressBytes    bytes received from the listener side
 * @param egressPackets   messages received from the destination
 * @param egressBytes     bytes received from the destination
 * @param errors          sessions or stages that failed
 * @param retries         reconnect attempts
 */
public record Stats(long sessions, long activeSessions, long ingressPackets, long ingressBytes, long egressPackets,
                    long egressBytes, long errors, long retries) {
    /** All zero. */
    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0);

    /** Returns the sum of both. */
    public Stats plus(Stats o) {
        return new Stats(sessions + o.sessions, activeSessions + o.activeSessions, ingressPackets + o.ingressPackets,
                ingressBytes + o.ingressBytes, egressPackets + o.egressPackets, egressBytes + o.egressBytes,
                errors + o.errors, retries + o.retries);
    }
}
