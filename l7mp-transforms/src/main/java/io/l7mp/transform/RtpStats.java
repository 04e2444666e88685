package io.l7mp.transform;

import io.l7mp.UnstableApi;
import io.l7mp.internal.transform.RtpParserProtocol;
import java.util.Map;

/**
 * What the {@code RTPParser} transform saw, per cluster and live session: the RTP stream's SSRC, payload type and last
 * sequence number, with packet, gap and non-RTP counts. A session's metadata is fixed once it is routed, so the parser
 * reports here (and logs at DEBUG when the SSRC or payload type changes) rather than in the metadata. Any thread.
 */
@UnstableApi
public final class RtpStats {
    private RtpStats() {
    }

    /**
     * One session's RTP stream as last seen.
     *
     * @param session     the session's name
     * @param ssrc        the last packet's SSRC, unsigned; -1 before the first RTP packet
     * @param payloadType the last packet's payload type (0-127); -1 before the first RTP packet
     * @param sequence    the last in-order sequence number (0-65535); -1 before the first RTP packet
     * @param packets     RTP packets seen
     * @param lost        sequence numbers skipped (lost or still to come out of order)
     * @param invalid     messages that were not RTP version 2 (passed on unchanged)
     */
    public record Stream(String session, long ssrc, int payloadType, int sequence, long packets, long lost,
                         long invalid) {
    }

    /** Returns the live sessions' streams by cluster name, then by session name. */
    public static Map<String, Map<String, Stream>> snapshot() {
        return RtpParserProtocol.snapshot();
    }
}
