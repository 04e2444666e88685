package io.l7mp.internal.engine;

import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.EndpointEntry;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One position of a session's pipeline (source, an ingress or egress transform, the destination) and the handler of
 * its stage. Confined to the session's event loop: no volatile, no lock.
 */
final class Hop implements StageHandler {
    /** Messages kept for a hop that is reconnecting; datagrams beyond this are dropped. */
    static final int MAX_PENDING = 256;

    static final int SOURCE = 0;
    static final int INGRESS = 1;
    static final int DESTINATION = 2;
    static final int EGRESS = 3;

    final SessionImpl session;
    final int role;
    final String origin;
    @Nullable ClusterEntry cluster;
    @Nullable EndpointEntry endpoint;
    @Nullable Stage stage;
    /** Where what this hop's stage reads goes. */
    @Nullable Hop next;
    /** The hop whose reads this hop's stage writes; resumed when this one becomes writable again. */
    @Nullable Hop feeder;
    boolean ready;
    /** Bumped whenever the stage is replaced, so late callbacks of an old attempt are ignored. */
    int attempt;
    /**
     * Reconnects after the stage disconnected, over the hop's life: the route's {@code num_retries} bounds them all,
     * so that an endpoint that accepts and hangs up at once is not reconnected for as long as the client stays.
     */
    int reconnects;
    /** The next connect attempt's timer; {@link #detach} cancels it. */
    @Nullable ScheduledFuture<?> retryTimer;
    String status = "INIT";
    private @Nullable ArrayDeque<ByteBuf> pending;

    Hop(SessionImpl session, int role, String origin) {
        this.session = session;
        this.role = role;
        this.origin = origin;
    }

    @Override
    public void onRead(ByteBuf msg) {
        session.forward(this, msg);
    }

    @Override
    public void onReadComplete() {
        final Hop n = next;
        if (n != null && n.ready) {
            n.stage.flush();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        final Hop f = feeder;
        if (writable && f != null && f.ready) {
            f.stage.setAutoRead(true);
        }
    }

    @Override
    public void onInputShutdown() {
        session.inputShutdown(this);
    }

    @Override
    public void onClose(@Nullable Throwable cause) {
        session.stageClosed(this, cause);
    }

    /** Keeps a message for when this hop is ready again; returns false when it had to be dropped. */
    boolean enqueue(ByteBuf msg) {
        ArrayDeque<ByteBuf> q = pending;
        if (q == null) {
            q = new ArrayDeque<>();
            pending = q;
        }
        if (q.size() >= MAX_PENDING) {
            msg.release();
            return false;
        }
        q.add(msg);
        return true;
    }

    /** Writes what was kept while the hop reconnected. */
    void drain() {
        final ArrayDeque<ByteBuf> q = pending;
        if (q == null || stage == null) {
            return;
        }
        pending = null;
        ByteBuf m;
        while ((m = q.poll()) != null) {
            stage.write(m);
        }
        stage.flush();
    }

    boolean hasPending() {
        final ArrayDeque<ByteBuf> q = pending;
        return q != null && !q.isEmpty();
    }

    void releasePending() {
        final ArrayDeque<ByteBuf> q = pending;
        pending = null;
        if (q != null) {
            ByteBuf m;
            while ((m = q.poll()) != null) {
                m.release();
            }
        }
    }

    /** Closes the stage without hearing back from it, and stops a pending connect retry. */
    void detach(@Nullable Throwable cause) {
        // A pending retry would connect a hop that has left its session, and its task keeps the session reachable.
        final ScheduledFuture<?> t = retryTimer;
        if (t != null) {
            retryTimer = null;
            t.cancel(false);
        }
        final Stage s = stage;
        stage = null;
        ready = false;
        attempt++;
        if (s != null) {
            s.close(cause);
        }
    }

    /** Whether this hop's stage reads a byte stream (TCP, a Unix stream, a pipe). */
    boolean readsBytes() {
        return stage != null && stage.streamKind() == StreamKind.BYTE;
    }

    /** Whether this hop's stage, or the one it is connecting, keeps message boundaries. */
    boolean takesDatagrams() {
        if (stage != null) {
            return stage.streamKind() == StreamKind.DATAGRAM;
        }
        final ClusterEntry c = cluster;
        return c != null && c.provider.streamKind() == StreamKind.DATAGRAM;
    }

    boolean isDatagram() {
        return stage != null && stage.streamKind() == StreamKind.DATAGRAM;
    }

    @Override
    public String toString() {
        return origin;
    }
}
