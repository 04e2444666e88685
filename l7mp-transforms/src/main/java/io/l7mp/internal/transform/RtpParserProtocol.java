package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.RtpStats;
import io.l7mp.transform.SessionTransform;
import io.l7mp.transform.TransformContext;
import io.l7mp.transform.TransformProvider;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code RTPParser}: a pass-through that parses the RTP header of each datagram (RFC 3550: version 2, payload type,
 * sequence number, SSRC) and keeps per-session stream statistics, read with {@link RtpStats}. Messages are never
 * changed or dropped; non-RTP ones are counted.
 */
public final class RtpParserProtocol extends TransformProvider {
    private static final Logger logger = LoggerFactory.getLogger(RtpParserProtocol.class);
    /** Live streams by cluster, then session; each stream written by its session's loop only. */
    private static final ConcurrentHashMap<String, ConcurrentHashMap<String, Parser>> CLUSTERS =
            new ConcurrentHashMap<>();

    public RtpParserProtocol() {
        super("RTPParser", StreamKind.DATAGRAM);
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return BasicSpec.class;
    }

    /** Returns the live streams; see {@link RtpStats#snapshot()}. */
    public static Map<String, Map<String, RtpStats.Stream>> snapshot() {
        final Map<String, Map<String, RtpStats.Stream>> out = new TreeMap<>();
        CLUSTERS.forEach((cluster, sessions) -> {
            final Map<String, RtpStats.Stream> m = new TreeMap<>();
            sessions.forEach((s, p) -> m.put(s, p.view()));
            out.put(cluster, Collections.unmodifiableMap(m));
        });
        return Collections.unmodifiableMap(out);
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final ConcurrentHashMap<String, Parser> sessions = new ConcurrentHashMap<>();
        CLUSTERS.put(ctx.name(), sessions);
        return new Cluster() {
            @Override
            public Future<Stage> connect(ConnectRequest request) {
                final TransformContext tc = Contexts.of(request, ctx.name(), ctx.spec());
                final Parser p = new Parser(tc, sessions);
                // A session with the parser in both chains reports its last-connected stage.
                sessions.put(request.sessionName(), p);
                return request.eventLoop().newSucceededFuture(new TransformStage(tc, StreamKind.DATAGRAM, p,
                        name()));
            }

            @Override
            public void close() {
                CLUSTERS.remove(ctx.name(), sessions);
            }
        };
    }

    /** One session's RTP stream. Written on the session's loop; fields volatile for readers elsewhere. */
    static final class Parser implements SessionTransform {
        private final TransformContext ctx;
        private final Map<String, Parser> owner;
        private volatile long ssrc = -1;
        private volatile int payloadType = -1;
        private volatile int sequence = -1;
        private volatile long packets;
        private volatile long lost;
        private volatile long invalid;

        Parser(TransformContext ctx, Map<String, Parser> owner) {
            this.ctx = ctx;
            this.owner = owner;
        }

        RtpStats.Stream view() {
            return new RtpStats.Stream(ctx.sessionName(), ssrc, payloadType, sequence, packets, lost, invalid);
        }

        @Override
        public void onMessage(ByteBuf msg, Output out) {
            parse(msg);
            out.emit(msg);
        }

        private void parse(ByteBuf m) {
            final int at = m.readerIndex();
            final int len = m.readableBytes();
            final int b0 = len >= 12 ? m.getUnsignedByte(at) : 0;
            if (len < 12 || b0 >> 6 != 2 || 12 + 4 * (b0 & 0x0f) > len) {
                invalid++;
                return;
            }
            final int pt = m.getUnsignedByte(at + 1) & 0x7f;
            final int seq = m.getUnsignedShort(at + 2);
            final long s = m.getUnsignedInt(at + 8);
            if (s != ssrc || pt != payloadType) {
                if (logger.isDebugEnabled()) {
                    logger.debug("{} RTPParser {}: SSRC {}, payload type {}", ctx.sessionName(), ctx.clusterName(),
                            s, pt);
                }
                if (s != ssrc) {
                    sequence = -1;
                }
                ssrc = s;
                payloadType = pt;
            }
            packets++;
            final int last = sequence;
            if (last < 0) {
                sequence = seq;
                return;
            }
            final int delta = (seq - last) & 0xffff;
            // Ahead by less than half the sequence space: in order, maybe after a gap; else late or repeated.
            if (delta != 0 && delta < 0x8000) {
                lost += delta - 1;
                sequence = seq;
            }
        }

        /** Writes {@code RTP: {ssrc, payload_type, sequence}} once an RTP packet was seen. */
        @Override
        public void annotate(ObjectNode metadata) {
            if (ssrc < 0) {
                return;
            }
            metadata.putObject("RTP").put("ssrc", ssrc).put("payload_type", payloadType).put("sequence", sequence);
        }

        @Override
        public void onClose() {
            owner.remove(ctx.sessionName(), this);
        }
    }
}
