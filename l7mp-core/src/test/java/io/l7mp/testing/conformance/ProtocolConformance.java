package io.l7mp.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.l7mp.L7mp;
import io.l7mp.L7mpBuilder;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.SessionStatus;
import io.l7mp.spec.ClusterSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.Await;
import io.l7mp.testing.LeakCheck;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol conformance suite. A provider's test extends it and describes a fixture: the listener under test and
 * the real client that connects to it, the cluster under test and the real echo server behind it, the stream kind,
 * and what the protocols can do (close, half-close, flow control). Every check then runs a proxy
 * {@code client -> our listener -> our cluster -> echo server} on epoll and on NIO ({@link Loops}):
 *
 * <ul>
 *   <li>{@link #echoRoundTrip}: messages come back through the proxy;</li>
 *   <li>{@link #messageBoundaries}: datagrams of many sizes come back as the same datagrams (datagram kinds);</li>
 *   <li>{@link #clientCloseEndsTheSession}: the client's close closes the upstream connection and ends the session,
 *       whose final status names the listener's side as the reason (a disconnect, or a half-close);</li>
 *   <li>{@link #upstreamCloseReachesTheClient}: the server's close reaches the client and ends the session, whose
 *       final status names the cluster's side;</li>
 *   <li>{@link #backpressureWithASlowReader}: a bulk sender whose reader pauses is pushed back instead of the proxy
 *       buffering without bound, and every byte arrives intact once it reads again;</li>
 *   <li>{@link #halfCloseKeepsTheRestOfTheEcho}: after the client's half-close the rest of the echo still arrives, then the end;</li>
 *   <li>{@link #unsupportedIsAClearError}: where the fixture says the protocol cannot run, the proxy says why;</li>
 *   <li>no leaks: {@link LeakCheck} fails the class when Netty's detector (PARANOID in tests) saw a leaked buffer.</li>
 * </ul>
 *
 * A check that does not apply to the fixture is skipped, and says why. See {@code docs/conformance.md}.
 */
@ExtendWith(LeakCheck.class)
public abstract class ProtocolConformance {
    /** The listener under test. */
    protected static final String LISTENER = "conformance-in";
    /** The cluster under test. */
    protected static final String CLUSTER = "conformance-up";
    /** How long a check waits for one thing. */
    protected static final Duration WAIT = Duration.ofSeconds(5);

    private static final Logger logger = LoggerFactory.getLogger(ProtocolConformance.class);
    private static final int[] SIZES = {1, 2, 3, 17, 100, 512, 1000, 1400, 1500, 4096, 8000, 9000, 16384, 30000,
        50000, 60000};

    /** A fresh directory per check, for socket files, FIFOs and the like. */
    @TempDir
    protected Path dir;

    // ------------------------------------------------------------------ the fixture

    /** Returns the spec of the listener under test; bind to 127.0.0.1 and port 0 where there is a port. */
    protected abstract ProtocolSpec listenerSpec() throws Exception;

    /** Connects a real client to the listener (its port: {@code proxy.listener(LISTENER).port()}). */
    protected abstract Peer connect(L7mp proxy) throws Exception;

    /** Starts the real echo server the cluster reaches ({@link PeerServer#none()} when the cluster needs none). */
    protected abstract PeerServer startServer() throws Exception;

    /**
     * Sets the cluster's spec and endpoints to reach {@code server}. Called with {@link PeerServer#none()} by
     * {@link #unsupportedIsAClearError} when the server cannot start where the protocol is unavailable.
     */
    protected abstract void cluster(ClusterSpec.Builder cluster, PeerServer server) throws Exception;

    /** Returns the stream kind the client sees: DATAGRAM when the listener keeps message boundaries. */
    protected abstract StreamKind streamKind();

    /**
     * Returns true when the client, the listener, the cluster and the server can half-close on these loops (byte
     * streams with a FIN): the client's end of output then reaches the server, and the rest of the echo still comes.
     */
    protected boolean halfClose(Loops loops) {
        return false;
    }

    /** Returns true when the listener's transport pushes back on a sender (TCP, Unix streams, pipes, ...). */
    protected boolean flowControlled() {
        return streamKind() == StreamKind.BYTE;
    }

    /** Returns false when the client's close cannot reach the proxy, nor the proxy's the client (UDP). */
    protected boolean closeVisible() {
        return true;
    }

    /** Returns false when what the client sends does not come back (Discard). */
    protected boolean echoes() {
        return true;
    }

    /** Returns the largest message the boundary check sends (and sends once, when above 60 000 bytes). */
    protected int maxMessageSize() {
        return 60_000;
    }

    /** Returns true when messages may be lost in a burst (UDP): the boundary check then sends one at a time. */
    protected boolean lossy() {
        return false;
    }

    /**
     * Returns how many bytes the backpressure check's sender may send before it must have been pushed back: more than
     * every buffer on the way can hold. Only what was sent before the push-back (plus a megabyte) goes through.
     */
    protected long backpressureBytes() {
        return 128L << 20;
    }

    /**
     * Returns, where the protocol cannot run on these loops, the text the proxy's error must contain (e.g. the
     * provider's {@code unavailableReason()}); null where it runs.
     */
    protected @Nullable String unsupportedOn(Loops loops) {
        return null;
    }

    /** Adds what else the proxy needs (protocols by hand, ...). */
    protected void configure(L7mpBuilder builder) {
    }

    // ------------------------------------------------------------------ the checks

    /** Messages come back through the proxy, and the session is connected to the cluster. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void echoRoundTrip(Loops loops) throws Exception {
        assumeThat(echoes()).as("the cluster echoes nothing back").isTrue();
        try (Env env = start(loops)) {
            final Peer c = env.connect();
            roundTrip(c, bytes(5, 0));
            roundTrip(c, bytes(Math.min(10_000, maxMessageSize()), 7));
            roundTrip(c, bytes(1, 3));
            final SessionInfo s = env.session();
            assertThat(s.status()).isEqualTo(SessionStatus.CONNECTED);
            assertThat(s.destination()).isNotNull();
            assertThat(s.destination().origin()).isEqualTo(CLUSTER);
            assertThat(s.stats().ingressBytes()).isGreaterThanOrEqualTo(5 + Math.min(10_000, maxMessageSize()) + 1);
        }
    }

    /** Datagrams of many sizes, sent in a burst, come back as the same datagrams in the same order. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void messageBoundaries(Loops loops) throws Exception {
        assumeThat(streamKind()).as("a byte stream has no boundaries to keep").isEqualTo(StreamKind.DATAGRAM);
        assumeThat(echoes()).as("the cluster echoes nothing back").isTrue();
        final List<byte[]> msgs = new ArrayList<>();
        int seed = 1;
        for (final int size : SIZES) {
            if (size <= maxMessageSize()) {
                msgs.add(bytes(size, seed++));
            }
        }
        if (maxMessageSize() > SIZES[SIZES.length - 1]) {
            // Beyond a UDP datagram: a message that a stream transport has to carry in many reads.
            msgs.add(bytes(maxMessageSize(), seed++));
        }
        // Then the same sizes the other way round, so that a short message follows a long one.
        for (int i = msgs.size() - 1; i >= 0; i--) {
            msgs.add(bytes(msgs.get(i).length, seed++));
        }
        try (Env env = start(loops)) {
            final Peer c = env.connect();
            roundTrip(c, bytes(4, 0));
            if (lossy()) {
                for (final byte[] m : msgs) {
                    c.send(m);
                    assertSame(m, c.receive(WAIT));
                }
            } else {
                for (final byte[] m : msgs) {
                    c.send(m);
                }
                for (final byte[] m : msgs) {
                    assertSame(m, c.receive(WAIT));
                }
            }
        }
    }

    /** The client's close ends the session, with the listener's side as the reason, and closes upstream. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void clientCloseEndsTheSession(Loops loops) throws Exception {
        assumeThat(closeVisible()).as("the listener's protocol has no close that reaches the proxy").isTrue();
        try (Env env = start(loops)) {
            final Peer c = env.connect();
            final SessionInfo s = env.establish(c);
            final boolean counted = env.server.openConnections() >= 0;
            if (counted) {
                Await.until(WAIT, "the upstream connection", () -> env.server.openConnections() == 1);
            }
            c.close();
            final SessionInfo end = env.awaitEnded(s.name());
            assertThat(firstEnd(end)).as("why %s ended: %s", s.name(), end.events()).contains(LISTENER);
            if (counted) {
                Await.until(WAIT, "the upstream connection to close", () -> env.server.openConnections() == 0);
            }
        }
    }

    /** The server's close reaches the client and ends the session, with the cluster's side as the reason. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void upstreamCloseReachesTheClient(Loops loops) throws Exception {
        try (Env env = start(loops)) {
            assumeThat(env.server.canClose()).as("the server has no connection to close").isTrue();
            final Peer c = env.connect();
            final SessionInfo s = env.establish(c);
            Await.until(WAIT, "the upstream connection", () -> env.server.openConnections() == 1);
            env.server.closeConnections();
            if (closeVisible()) {
                awaitEnd(c);
                // Where the proxy passed the server's FIN on as a half-close, the session ends with the client.
                c.close();
            }
            final SessionInfo end = env.awaitEnded(s.name());
            assertThat(firstEnd(end)).as("why %s ended: %s", s.name(), end.events()).contains(CLUSTER);
        }
    }

    /**
     * A bulk sender whose own reader pauses: the echo fills every buffer back to the proxy, which must stop reading
     * (the sender blocks) rather than buffer without bound; once the reader resumes, every byte arrives intact.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void backpressureWithASlowReader(Loops loops) throws Exception {
        assumeThat(flowControlled()).as("the listener's transport does not push back (datagrams are dropped)")
                .isTrue();
        assumeThat(echoes()).as("the cluster echoes nothing back").isTrue();
        final long cap = backpressureBytes();
        final int chunk = 16384;
        try (Env env = start(loops)) {
            final Peer c = env.connect();
            roundTrip(c, bytes(3, 1));
            final AtomicLong written = new AtomicLong();
            final AtomicLong limit = new AtomicLong(cap);
            final AtomicReference<Throwable> failed = new AtomicReference<>();
            final Thread writer = new Thread(() -> {
                try {
                    for (long off = 0; off < limit.get(); off += chunk) {
                        c.send(pattern(off, chunk));
                        written.addAndGet(chunk);
                    }
                } catch (final Throwable e) {
                    failed.set(e);
                }
            }, "conformance-bulk-writer");
            writer.setDaemon(true);
            writer.start();
            // The sender is blocked once it made no progress for a while (nobody reads, so nothing else moves).
            final long[] last = {-1, System.nanoTime()};
            Await.until(Duration.ofSeconds(20), "the sender to block or finish", () -> {
                final long w = written.get();
                if (w >= cap || failed.get() != null) {
                    return true;
                }
                if (w != last[0]) {
                    last[0] = w;
                    last[1] = System.nanoTime();
                    return false;
                }
                return System.nanoTime() - last[1] > TimeUnit.MILLISECONDS.toNanos(400);
            });
            assertThat(failed.get()).as("the sender failed").isNull();
            final long stalled = written.get();
            assertThat(stalled).as("bytes the proxy took while the client read nothing (of %d sent): it must push "
                    + "back instead of buffering", cap).isLessThan(cap);
            logger.info("{} on {}: the sender blocked after {} bytes", getClass().getSimpleName(), loops, stalled);
            // The push-back is shown: the sender stops a megabyte later, and all it sent must come back intact.
            final long total = stalled + (1 << 20);
            limit.set(total);
            long got = 0;
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got < total) {
                final byte[] b = c.receive(WAIT);
                assertThat(b).as("the stream ended after %d of %d bytes", got, total).isNotNull();
                for (int i = 0; i < b.length; i++) {
                    if (b[i] != patternByte(got + i)) {
                        throw new AssertionError("byte " + (got + i) + " of the echo differs");
                    }
                }
                got += b.length;
                assertThat(System.nanoTime()).as("reading the echo took too long").isLessThan(end);
            }
            assertThat(got).as("bytes echoed").isEqualTo(total);
            writer.join(WAIT.toMillis());
            assertThat(failed.get()).as("the sender failed").isNull();
            assertThat(writer.isAlive()).as("the sender still blocks").isFalse();
            assertThat(written.get()).isEqualTo(total);
        }
    }

    /** After the client's half-close, everything it sent still comes back, then the end; the session ends. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void halfCloseKeepsTheRestOfTheEcho(Loops loops) throws Exception {
        assumeThat(halfClose(loops)).as("the protocols cannot half-close on " + loops).isTrue();
        try (Env env = start(loops)) {
            final Peer c = env.connect();
            final SessionInfo s = env.establish(c);
            final byte[] data = pattern(0, 256 * 1024);
            c.send(data);
            c.shutdownOutput();
            final ByteArrayOutputStream back = new ByteArrayOutputStream();
            final long end = System.nanoTime() + WAIT.toNanos();
            byte[] b;
            while ((b = c.receive(WAIT)) != null) {
                // The half-close itself must not show up as a message (an empty frame, say).
                assertThat(b.length).as("a message of the echo").isPositive();
                back.writeBytes(b);
                assertThat(System.nanoTime()).as("the end of the echo").isLessThan(end);
            }
            assertThat(back.size()).as("bytes echoed after the half-close").isEqualTo(data.length);
            assertThat(back.toByteArray()).isEqualTo(data);
            final SessionInfo ended = env.awaitEnded(s.name());
            assertThat(ended.events()).extracting(SessionEvent::event).contains("DESTROY");
        }
    }

    /** Where the fixture says the protocol cannot run on these loops, the proxy refuses it with that reason. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Loops.class)
    void unsupportedIsAClearError(Loops loops) throws Exception {
        assumeThat(loops.available()).as(loops + " is not available here").isTrue();
        final String why = unsupportedOn(loops);
        assumeThat(why).as("the protocol runs on " + loops).isNotNull();
        PeerServer server;
        try {
            server = startServer();
        } catch (final Exception e) {
            server = PeerServer.none();
        }
        final EventLoopGroup group = loops.newGroup();
        final AtomicReference<L7mp> proxy = new AtomicReference<>();
        try {
            final PeerServer s = server;
            final Throwable t = catchThrowable(() -> {
                proxy.set(builder(group, s).build());
                proxy.get().start().get(10, TimeUnit.SECONDS);
            });
            assertThat(t).as("the proxy started where the protocol cannot run").isNotNull();
            assertThat(messages(t)).contains(why);
        } finally {
            if (proxy.get() != null) {
                proxy.get().close();
            } else {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            server.close();
        }
    }

    // ------------------------------------------------------------------ helpers for checks and fixtures

    /** A running proxy with its server and clients, closed in order. */
    protected final class Env implements AutoCloseable {
        /** The proxy. */
        public final L7mp proxy;
        /** The echo server behind the cluster. */
        public final PeerServer server;
        private final List<Peer> peers = new ArrayList<>();

        Env(L7mp proxy, PeerServer server) {
            this.proxy = proxy;
            this.server = server;
        }

        /** Connects a client; it is closed with the environment. */
        public Peer connect() throws Exception {
            final Peer p = ProtocolConformance.this.connect(proxy);
            peers.add(p);
            return p;
        }

        /** Exchanges one message (or sends one when the cluster does not echo) and returns the session. */
        public SessionInfo establish(Peer c) throws Exception {
            if (echoes()) {
                roundTrip(c, bytes(4, 2));
            } else {
                c.send(bytes(4, 2));
            }
            return session();
        }

        /** Returns the listener's one live session, once it is connected. */
        public SessionInfo session() {
            return Await.value(WAIT, "a connected session of " + LISTENER, () -> {
                for (final SessionInfo s : proxy.sessions()) {
                    if (s.listener().equals(LISTENER) && s.status() == SessionStatus.CONNECTED) {
                        return s;
                    }
                }
                return null;
            });
        }

        /** Waits until the session ended (the listener tracks ended sessions) and returns its final state. */
        public SessionInfo awaitEnded(String name) {
            return Await.value(WAIT, "session " + name + " to end", () -> {
                for (final SessionInfo s : proxy.sessions()) {
                    // A snapshot may read the status a moment after the event log: wait for the last event too.
                    if (s.name().equals(name) && s.status() == SessionStatus.DESTROYED
                            && s.events().stream().anyMatch(e -> e.event().equals("DESTROY"))) {
                        return s;
                    }
                }
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            Throwable first = null;
            for (final AutoCloseable c : closeOrder()) {
                try {
                    c.close();
                } catch (final Throwable t) {
                    if (first == null) {
                        first = t;
                    }
                }
            }
            if (first instanceof Exception e) {
                throw e;
            } else if (first != null) {
                throw (Error) first;
            }
        }

        private List<AutoCloseable> closeOrder() {
            final List<AutoCloseable> l = new ArrayList<>(peers);
            l.add(proxy);
            l.add(server);
            return l;
        }
    }

    /** Starts the echo server and the proxy on these loops; skips the check where the fixture cannot run. */
    protected Env start(Loops loops) throws Exception {
        assumeThat(loops.available()).as(loops + " is not available here").isTrue();
        final String why = unsupportedOn(loops);
        assumeThat(why).as("does not run on %s: %s (see unsupportedIsAClearError)", loops, why).isNull();
        final PeerServer server = startServer();
        final EventLoopGroup group = loops.newGroup();
        L7mp proxy = null;
        try {
            proxy = builder(group, server).build();
            proxy.start().get(10, TimeUnit.SECONDS);
            assertThat(proxy.transport().name()).isEqualTo(loops.transportName());
            return new Env(proxy, server);
        } catch (final Exception | Error e) {
            if (proxy != null) {
                proxy.close();
            } else {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            server.close();
            throw e;
        }
    }

    private L7mpBuilder builder(EventLoopGroup group, PeerServer server) throws Exception {
        final ClusterSpec.Builder cb = ClusterSpec.builder(CLUSTER);
        cluster(cb, server);
        final ProtocolSpec ls = listenerSpec();
        final L7mpBuilder b = L7mp.builder().eventLoopGroup(group, true)
                .cluster(cb.build())
                // Ended sessions stay listed a while, so that the checks can read their final status.
                .listener(LISTENER, l -> l.spec(ls).track(Duration.ofSeconds(60))
                        .rule(r -> r.route(rt -> rt.destination(CLUSTER))));
        configure(b);
        return b;
    }

    /** Sends {@code msg} and checks that it comes back: as one message for datagrams, byte for byte otherwise. */
    protected void roundTrip(Peer c, byte[] msg) throws IOException {
        c.send(msg);
        if (streamKind() == StreamKind.DATAGRAM) {
            assertSame(msg, c.receive(WAIT));
            return;
        }
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < msg.length) {
            final byte[] b = c.receive(WAIT);
            assertThat(b).as("the stream ended after %d of %d bytes", got.size(), msg.length).isNotNull();
            got.writeBytes(b);
        }
        assertThat(got.toByteArray()).isEqualTo(msg);
    }

    /** Reads until the other side closed; fails if it does not within {@link #WAIT}. */
    protected static void awaitEnd(Peer c) throws IOException {
        final long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            final long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the client saw no close within " + WAIT.toMillis() + " ms");
            }
            try {
                if (c.receive(Duration.ofNanos(left)) == null) {
                    return;
                }
            } catch (final SocketTimeoutException e) {
                throw new AssertionError("the client saw no close within " + WAIT.toMillis() + " ms", e);
            }
        }
    }

    private static void assertSame(byte[] sent, byte @Nullable [] got) {
        assertThat(got).as("no message back for one of %d bytes", sent.length).isNotNull();
        if (!Arrays.equals(sent, got)) {
            throw new AssertionError("sent a message of " + sent.length + " bytes, got one of " + got.length
                    + (got.length == sent.length ? " with other content" : ""));
        }
    }

    /** Returns the first event that tells why the session ends (a stage's close or half-close, an error). */
    private static String firstEnd(SessionInfo s) {
        return s.events().stream()
                .filter(e -> e.event().equals("DISCONNECT") || e.event().equals("HALF-CLOSE")
                        || e.event().equals("ERROR"))
                .map(e -> e.event() + ": " + e.message()).findFirst().orElse("(no reason)");
    }

    private static String messages(Throwable t) {
        final StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    /** Returns {@code size} bytes that differ from message to message by {@code seed}. */
    protected static byte[] bytes(int size, int seed) {
        final byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + (i + seed) % 26);
        }
        return b;
    }

    private static byte[] pattern(long offset, int size) {
        final byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = patternByte(offset + i);
        }
        return b;
    }

    private static byte patternByte(long offset) {
        return (byte) (offset % 251);
    }
}
