package io.l7mp.internal.transform;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.SyncSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rendezvous table: domains by metadata value. Membership changes run inside the table's {@code compute} (the
 * only lock, and off the data path); the data path reads a domain's member array (volatile, replaced on change) and
 * hands each message to the other members' loops through their inboxes, releasing it on every path.
 */
final class SyncCluster implements Cluster {
    /** Messages waiting for one member's loop; more are dropped, as a congested datagram path would. */
    static final int MAX_INBOX = 1024;
    private static final Logger logger = LoggerFactory.getLogger(SyncCluster.class);
    private static final int WAITING = 0;
    private static final int CONNECTED = 1;
    private static final int CLOSED = 2;

    private final String name;
    private final MetadataPath query;
    private final int minMembers;
    private final ConcurrentHashMap<String, Domain> table = new ConcurrentHashMap<>();

    SyncCluster(String name, SyncSpec spec) {
        this.name = name;
        this.query = new MetadataPath(spec.query());
        this.minMembers = spec.minMembersOrDefault();
    }

    /** Returns the number of domains, for tests and dumps. */
    int domains() {
        return table.size();
    }

    @Override
    public Future<Stage> connect(ConnectRequest request) {
        final JsonNode v = query.resolve(request.metadata());
        if (v == null) {
            return request.eventLoop().newFailedFuture(new SessionError(400, "Sync " + name + ": no value at "
                    + query + " in the metadata of session " + request.sessionName()));
        }
        final String key = v.isValueNode() ? v.asText() : v.toString();
        final Promise<Stage> promise = request.eventLoop().newPromise();
        final Member m = new Member(key, request.sessionName(), request.eventLoop(), promise);
        final List<Member> ready = new ArrayList<>();
        final Domain d = table.compute(key, (k, old) -> {
            final Domain dom = old == null ? new Domain() : old;
            dom.add(m);
            if (dom.members.length >= minMembers) {
                // All of them count as connected before any session hears of it: a session told first sends at
                // once (its queued messages), and must find the others connected.
                for (final Member x : dom.members) {
                    if (x.state.compareAndSet(WAITING, CONNECTED)) {
                        ready.add(x);
                    }
                }
            }
            return dom;
        });
        m.domain = d;
        logger.debug("{} joined Sync {} at {}={}", m.session, name, query, key);
        if (!ready.contains(m)) {
            m.timer = m.loop.schedule(() -> m.timeout(request.timeoutMillis()), request.timeoutMillis(),
                    TimeUnit.MILLISECONDS);
        }
        for (final Member x : ready) {
            x.connect();
        }
        return promise;
    }

    @Override
    public void close() {
        table.clear();
    }

    private void leave(Member m) {
        table.computeIfPresent(m.key, (k, d) -> {
            d.remove(m);
            return d.members.length == 0 ? null : d;
        });
    }

    /** The members of one value. Changed inside the table's compute only; read by any loop. */
    private static final class Domain {
        volatile Member[] members = new Member[0];

        void add(Member m) {
            final Member[] a = Arrays.copyOf(members, members.length + 1);
            a[a.length - 1] = m;
            members = a;
        }

        void remove(Member m) {
            final Member[] a = members;
            for (int i = 0; i < a.length; i++) {
                if (a[i] == m) {
                    final Member[] b = new Member[a.length - 1];
                    System.arraycopy(a, 0, b, 0, i);
                    System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                    members = b;
                    return;
                }
            }
        }
    }

    /** One session in a domain, and its stage. Stage methods run on {@link #loop}; {@link #deliver} on any. */
    private final class Member implements Stage {
        final String key;
        final String session;
        final EventLoop loop;
        final Promise<Stage> promise;
        final AtomicInteger state = new AtomicInteger(WAITING);
        final ConcurrentLinkedQueue<ByteBuf> inbox = new ConcurrentLinkedQueue<>();
        final AtomicInteger inboxSize = new AtomicInteger();
        final AtomicBoolean scheduled = new AtomicBoolean();
        volatile @Nullable Domain domain;
        volatile @Nullable ScheduledFuture<?> timer;
        private @Nullable StageHandler handler;
        private long dropped;

        Member(String key, String session, EventLoop loop, Promise<Stage> promise) {
            this.key = key;
            this.session = session;
            this.loop = loop;
            this.promise = promise;
        }

        /** The domain is complete (this member is marked connected): hand its stage to its session. Any thread. */
        void connect() {
            final ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            promise.trySuccess(this);
        }

        /**
         * No peer came in time: connect alone, as l7mp connects every member at once. The member stays in its domain,
         * what it sends is dropped until a peer joins, and a peer that joins later connects at once. On {@link #loop}.
         */
        void timeout(long millis) {
            if (state.compareAndSet(WAITING, CONNECTED)) {
                logger.debug("{} Sync {}: no peer with {}={} within {} ms, connected alone", session, name, query,
                        key, millis);
                if (!promise.trySuccess(this)) {
                    close(null);
                }
            }
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.DATAGRAM;
        }

        @Override
        public void bind(StageHandler h) {
            this.handler = h;
            // What peers sent before the session was ready: delivered after bind returns, once the whole session is
            // piped (as a socket stage starts reading only after bind).
            if (!inbox.isEmpty() && scheduled.compareAndSet(false, true)) {
                loop.execute(this::drain);
            }
        }

        /** Sends {@code msg} to every other connected member; a lone member's messages are dropped. */
        @Override
        public void write(ByteBuf msg) {
            final Domain d = domain;
            if (state.get() != CONNECTED || d == null) {
                msg.release();
                return;
            }
            Member last = null;
            for (final Member o : d.members) {
                if (o == this || o.state.get() != CONNECTED) {
                    continue;
                }
                if (last != null) {
                    // Each receiver gets its own copy: its egress chain may rewrite the buffer in place.
                    last.deliver(msg.alloc().directBuffer(msg.readableBytes()).writeBytes(msg, msg.readerIndex(),
                            msg.readableBytes()));
                }
                last = o;
            }
            if (last == null) {
                msg.release();
                if (dropped++ == 0) {
                    logger.debug("{} Sync {}: alone at {}={}, dropping what it sends", session, name, query, key);
                }
                return;
            }
            last.deliver(msg);
        }

        /** Queues a message from another member for this one's session. Any thread; takes ownership. */
        void deliver(ByteBuf msg) {
            if (state.get() == CLOSED) {
                msg.release();
                return;
            }
            if (inboxSize.incrementAndGet() > MAX_INBOX) {
                inboxSize.decrementAndGet();
                msg.release();
                return;
            }
            inbox.add(msg);
            if (scheduled.compareAndSet(false, true)) {
                try {
                    loop.execute(this::drain);
                } catch (final RejectedExecutionException e) {
                    scheduled.set(false);
                    releaseInbox();
                }
            }
        }

        private void drain() {
            scheduled.set(false);
            final StageHandler h = handler;
            if (state.get() == CLOSED) {
                releaseInbox();
                return;
            }
            if (h == null) {
                return;
            }
            boolean any = false;
            ByteBuf b;
            while ((b = inbox.poll()) != null) {
                inboxSize.decrementAndGet();
                if (state.get() == CLOSED) {
                    b.release();
                    continue;
                }
                h.onRead(b);
                any = true;
            }
            if (any && state.get() != CLOSED) {
                h.onReadComplete();
            }
        }

        private void releaseInbox() {
            ByteBuf b;
            while ((b = inbox.poll()) != null) {
                b.release();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void setAutoRead(boolean autoRead) {
        }

        @Override
        public void close(@Nullable Throwable cause) {
            if (state.getAndSet(CLOSED) != CLOSED) {
                final ScheduledFuture<?> t = timer;
                if (t != null) {
                    t.cancel(false);
                }
                leave(this);
                releaseInbox();
                logger.debug("{} left Sync {} at {}={}", session, name, query, key);
            }
        }

        @Override
        public String describe() {
            return "sync " + query + "=" + key;
        }
    }
}
