package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.SessionEvent;
import io.l7mp.SessionInfo;
import io.l7mp.SessionStatus;
import io.l7mp.StageInfo;
import io.l7mp.Stats;
import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.EndpointEntry;
import io.l7mp.internal.engine.Entries.ListenerEntry;
import io.l7mp.internal.engine.Entries.RouteEntry;
import io.l7mp.internal.engine.Entries.RuleEntry;
import io.l7mp.internal.engine.Entries.RuleListEntry;
import io.l7mp.spec.CircuitBreakerSpec;
import io.l7mp.spec.RetrySpec;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.RequestEnd;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One data-plane flow: routed once by the rules, its stages connected with the route's retry policy, then data moves
 * hop to hop on the session's event loop with no copy and no lock. Only the snapshot methods run elsewhere.
 */
final class SessionImpl {
    private static final Logger logger = LoggerFactory.getLogger(SessionImpl.class);
    private static final int MAX_EVENTS = 16;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_APPLY_DEPTH = 16;
    /** How long a half-closed session may stay idle before it ends. */
    static final long HALF_CLOSE_IDLE_MILLIS = Long.getLong("l7mp.halfCloseIdleMillis", 30_000);
    /** The most a UDP datagram carries over IPv4 (65,535 less the IP and UDP headers). */
    static final int MAX_DATAGRAM_PAYLOAD = 65_507;
    private static final Hop[] NONE = new Hop[0];
    private static final ObjectNode EMPTY = JsonNodeFactory.instance.objectNode();

    final Engine engine;
    final String name;
    final EventLoop loop;
    final String listener;
    final Hop source;
    /** Live while the session routes and connects; afterwards kept only as {@link #metadataBytes}. */
    private @Nullable ObjectNode metadata;
    /**
     * The metadata once routed, as JSON, for a datagram session: a tenth of the tree's heap, which matters with 100k
     * idle UDP sessions.
     */
    private volatile byte @Nullable [] metadataBytes;
    /**
     * The metadata once routed, for a byte-stream session: its sockets outweigh the tree many times, and serializing
     * it would cost every short connection a JSON writer (and the JIT its code) for nothing. The session's own tree,
     * which nothing changes once routed, unless session transforms may see it again (then a private copy).
     */
    private volatile @Nullable ObjectNode metadataCopy;
    private volatile SessionStatus status = SessionStatus.INIT;
    private volatile @Nullable RouteEntry route;
    private volatile Hop[] ingress = NONE;
    private volatile Hop[] egress = NONE;
    private volatile @Nullable Hop destination;
    private RetrySpec retry = RetrySpec.DEFAULT;
    /** The route's session transforms, when it has any. */
    private @Nullable SessionHooks hooks;
    private boolean rerouting;
    /** Half-close: the source, or the destination, has finished sending and its peer was told. */
    private boolean sourceDone;
    private boolean destinationDone;
    /**
     * Watches a half-closed session for idleness ({@link #linger}); cancelled when the session ends, since a pending
     * task keeps the whole session reachable for {@link #HALF_CLOSE_IDLE_MILLIS} (at thousands of short connections
     * a second that was hundreds of MB of ended sessions for the collector to copy).
     */
    private @Nullable ScheduledFuture<?> lingerTimer;
    private boolean sourceBound;
    private boolean boundaryWarned;
    private int connecting;
    /**
     * The newest event; each links to the one before it. Written on the loop only, read by snapshots from any thread
     * without a lock: a session takes some six events in its life, and a lock (or a deque) for each cost a short
     * connection more than what it records.
     */
    private volatile @Nullable Ev lastEvent;

    // Written on the loop only; read racily for stats.
    long ingressPackets;
    long ingressBytes;
    long egressPackets;
    long egressBytes;
    long errors;
    long retries;
    long dropped;

    SessionImpl(Engine engine, String name, String listener, ObjectNode metadata, Stage source) {
        this.engine = engine;
        this.name = name;
        this.loop = source.eventLoop();
        this.listener = listener;
        this.metadata = metadata;
        this.source = new Hop(this, Hop.SOURCE, listener);
        this.source.stage = source;
        this.source.status = "READY";
    }

    SessionStatus status() {
        return status;
    }

    @Nullable RouteEntry route() {
        return route;
    }

    boolean ended() {
        return status == SessionStatus.FINALIZING || status == SessionStatus.DESTROYED;
    }

    @Override
    public String toString() {
        return name;
    }

    // ------------------------------------------------------------------ routing

    /** Runs the listener's rules and connects the route. On the loop. */
    void start(State s, ListenerEntry l) {
        // One clock read for the creation and the rules' verdict, microseconds apart: the events keep milliseconds.
        final long created = System.currentTimeMillis();
        event("INIT", "session created", null, null, created);
        // A peer that resets or closes before the session is connected is gone: nothing waits for the connect or its
        // retries (which may take num_retries times the retry timeout) to find that out.
        source.stage.onCloseBeforeBind(cause -> {
            if (!sourceBound && !ended()) {
                event("DISCONNECT", "{} disconnected before the session was connected", source.origin,
                        cause == null ? null : String.valueOf(cause.getMessage()));
                end(cause);
            }
        });
        String list = l.ruleList();
        for (int depth = 0; depth < MAX_APPLY_DEPTH; depth++) {
            final RuleListEntry rl = s.rulelists().get(list);
            if (rl == null) {
                fail(new SessionError(404, "No route for session: rulelist \"" + list + "\" not found"), false);
                return;
            }
            String apply = null;
            for (final String rn : rl.ruleNames()) {
                final RuleEntry r = s.rules().get(rn);
                if (r == null) {
                    fail(new SessionError(404, "No route for session: rule \"" + rn + "\" not found"), false);
                    return;
                }
                if (!r.matcher().test(metadata())) {
                    continue;
                }
                if (r.rewriter() != null) {
                    r.rewriter().apply(metadata());
                }
                apply = r.spec().action().apply();
                if (apply == null) {
                    final String routeName = r.routeName();
                    final RouteEntry re = routeName == null ? null : s.routes().get(routeName);
                    if (re == null) {
                        fail(new SessionError(404, "No route for session: route \"" + routeName + "\" not found"),
                                false);
                        return;
                    }
                    event("LOOKUP SUCCESS", "rulelist {}", list, rn, created);
                    if (re.session().isEmpty()) {
                        routed(re);
                    } else {
                        hooks = new SessionHooks(this);
                        hooks.start(re);
                    }
                    return;
                }
                break;
            }
            if (apply == null) {
                fail(new SessionError(404, "No route for session"), false);
                return;
            }
            list = apply;
        }
        fail(new SessionError(508, "No route for session: apply nested deeper than " + MAX_APPLY_DEPTH), false);
    }

    /** Connects the route, the rules and session transforms done. */
    void routed(RouteEntry re) {
        publishMetadata();
        useRoute(re);
        connectAll();
    }

    private void useRoute(RouteEntry re) {
        route = re;
        retry = re.spec().retryOrDefault();
        final List<String> in = re.ingress();
        final List<String> out = re.egress();
        final Hop[] ing = new Hop[in.size()];
        for (int i = 0; i < ing.length; i++) {
            ing[i] = new Hop(this, Hop.INGRESS, in.get(i));
        }
        final Hop[] eg = new Hop[out.size()];
        for (int i = 0; i < eg.length; i++) {
            eg[i] = new Hop(this, Hop.EGRESS, out.get(i));
        }
        final Hop dest = new Hop(this, Hop.DESTINATION, re.destination());
        // source -> ingress... -> destination -> egress... -> source
        Hop prev = source;
        for (final Hop h : ing) {
            link(prev, h);
            prev = h;
        }
        link(prev, dest);
        prev = dest;
        for (final Hop h : eg) {
            link(prev, h);
            prev = h;
        }
        link(prev, source);
        ingress = ing;
        egress = eg;
        destination = dest;
    }

    private static void link(Hop from, Hop to) {
        from.next = to;
        to.feeder = from;
    }

    private void connectAll() {
        final Hop[] ing = ingress;
        final Hop[] eg = egress;
        connecting = ing.length + eg.length + 1;
        final int tries = retry.retryOn().onConnectFailure() ? retry.numRetries() : 0;
        for (final Hop h : ing) {
            connect(h, tries);
        }
        connect(destination, tries);
        for (final Hop h : eg) {
            connect(h, tries);
        }
    }

    private void connect(Hop h, int triesLeft) {
        final int att = ++h.attempt;
        h.status = "INIT";
        final ClusterEntry c = engine.clusterForSession(h.origin);
        if (c == null || c.impl == null) {
            attemptFailed(h, att, triesLeft, new SessionError(404, "cluster \"" + h.origin + "\" not found"));
            return;
        }
        h.cluster = c;
        h.endpoint = null;
        final Future<Stage> f;
        if (!c.provider.hasEndpoints()) {
            f = c.impl.connect(new ConnectRequest(name, loop, null, metadata(), retry.timeoutMillis(), source.stage));
        } else if (c.fanOut()) {
            f = fanOut(c, c.pickAll(metadata()));
        } else {
            final EndpointEntry e = c.pick(metadata());
            if (e == null) {
                attemptFailed(h, att, triesLeft, c.noEndpoint());
                return;
            }
            h.endpoint = e;
            f = c.impl.connect(new ConnectRequest(name, loop, e.spec, metadata(), retry.timeoutMillis(), source.stage));
        }
        if (f.isDone()) {
            connectDone(h, att, triesLeft, f, null);
            return;
        }
        final ScheduledFuture<?> timer = loop.schedule(() -> {
            if (h.attempt == att && !f.isDone()) {
                final SessionError timeout = new SessionError(504, "connect to " + h.origin + " timed out after "
                        + retry.timeoutMillis() + " ms");
                endpointFailed(h, timeout);
                attemptFailed(h, att, triesLeft, timeout);
            }
        }, retry.timeoutMillis(), TimeUnit.MILLISECONDS);
        f.addListener(x -> connectDone(h, att, triesLeft, f, timer));
    }

    private void connectDone(Hop h, int att, int triesLeft, Future<Stage> f, @Nullable ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
        if (h.attempt != att || ended()) {
            if (f.isSuccess()) {
                f.getNow().close(null);
            }
            return;
        }
        if (f.isSuccess()) {
            final EndpointEntry e = h.endpoint;
            if (e != null) {
                e.state.connected();
                if (e.state.reportWorking()) {
                    logger.info("cluster {}: endpoint {} ({}) accepts connects again", e.cluster, e.name(), e.id());
                }
            }
            connected(h, f.getNow());
        } else {
            endpointFailed(h, f.cause());
            attemptFailed(h, att, triesLeft, f.cause());
        }
    }

    /**
     * Counts a failed connect to the hop's endpoint for the circuit breaker of its cluster, if it has one, and tells
     * the operator: a warning when the endpoint's connects start failing (not per failure: see
     * {@link EndpointState#reportFailing}), each failure at debug.
     */
    private void endpointFailed(Hop h, Throwable cause) {
        final EndpointEntry e = h.endpoint;
        final ClusterEntry c = h.cluster;
        if (e == null || c == null) {
            return;
        }
        final long now = System.nanoTime();
        final int n = e.state.connectFailed();
        logger.debug("{} connect to cluster {} endpoint {} ({}) failed ({} in a row): {}", name, c.name(), e.name(),
                e.id(), n, cause.getMessage());
        if (e.state.reportFailing(now)) {
            logger.warn("cluster {}: endpoint {} ({}) fails connects: {} (logged again when it accepts connects, "
                    + "each failure at debug)", c.name(), e.name(), e.id(), cause.getMessage());
        }
        final CircuitBreakerSpec breaker = c.spec.circuitBreaker();
        if (breaker != null && e.state.opensCircuit(breaker, n, now)) {
            logger.warn("cluster {}: endpoint {} ({}) ejected for {} ms: connects to it keep failing", c.name(),
                    e.name(), e.id(), breaker.openTimeoutMillis());
        }
    }

    private Future<Stage> fanOut(ClusterEntry c, List<EndpointEntry> eps) {
        final Promise<Stage> p = loop.newPromise();
        if (eps.isEmpty()) {
            return p.setFailure(c.noEndpoint());
        }
        final List<Stage> ok = new ArrayList<>();
        final int[] left = {eps.size()};
        for (final EndpointEntry e : eps) {
            final ConnectRequest req = new ConnectRequest(name, loop, e.spec, metadata(), retry.timeoutMillis(),
                    source.stage);
            c.impl.connect(req).addListener(f -> {
                if (f.isSuccess()) {
                    ok.add((Stage) f.getNow());
                }
                if (--left[0] == 0) {
                    if (ok.isEmpty()) {
                        p.tryFailure(f.cause() != null ? f.cause() : new SessionError(502, "fan-out failed"));
                    } else if (!p.trySuccess(new FanOutStage(loop, ok))) {
                        ok.forEach(s -> s.close(null));
                    }
                }
            });
        }
        return p;
    }

    private void attemptFailed(Hop h, int att, int triesLeft, Throwable cause) {
        if (h.attempt != att || ended()) {
            return;
        }
        h.attempt++;
        if (triesLeft > 0) {
            retries++;
            h.status = "RETRYING";
            event("RETRY", "retrying {}", h.origin, String.valueOf(cause.getMessage()));
            h.retryTimer = loop.schedule(() -> {
                h.retryTimer = null;
                if (!ended()) {
                    connect(h, triesLeft - 1);
                }
            }, retry.timeoutMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        fail(cause instanceof SessionError se ? se
                : new SessionError(502, "cannot connect " + h.origin + ": " + cause.getMessage(), cause), true);
    }

    private void connected(Hop h, Stage stage) {
        h.stage = stage;
        h.status = "CONNECTED";
        if (h.cluster != null) {
            h.cluster.counters.sessions.increment();
        }
        if (h.endpoint != null) {
            h.endpoint.counters.sessions.increment();
        }
        event("CONNECT", "connected {}", h.origin, null);
        if (status == SessionStatus.INIT || rerouting) {
            if (--connecting == 0) {
                pipe();
            }
            return;
        }
        // A stage came back after a disconnect: put it in place and resume whoever feeds it.
        h.ready = true;
        h.status = "READY";
        stage.bind(h);
        h.drain();
        if (h.feeder != null && h.feeder.ready) {
            h.feeder.stage.setAutoRead(true);
        }
        status = SessionStatus.CONNECTED;
        compactMetadata();
    }

    private void pipe() {
        rerouting = false;
        status = SessionStatus.CONNECTED;
        final List<Hop> hops = hops();
        for (final Hop h : hops) {
            h.ready = true;
            h.status = "READY";
        }
        warnOnBoundaryLoss(hops);
        for (final Hop h : hops) {
            if (h.stage != null) {
                h.stage.bind(h);
            }
        }
        if (!sourceBound) {
            sourceBound = true;
            source.ready = true;
            source.stage.bind(source);
        } else {
            for (final Hop h : hops) {
                h.drain();
            }
            if (source.stage != null) {
                source.stage.setAutoRead(true);
            }
        }
        compactMetadata();
    }

    private void warnOnBoundaryLoss(List<Hop> hops) {
        if (boundaryWarned || source.stage.streamKind() != StreamKind.DATAGRAM) {
            return;
        }
        for (final Hop h : hops) {
            if (h.stage != null && h.stage.streamKind() == StreamKind.BYTE) {
                boundaryWarned = true;
                event("WARNING", "datagram stream routed into byte stream {}", h.origin, "message boundaries are lost");
                if (engine.firstBoundaryWarning(listener, h.origin)) {
                    logger.warn("{} datagram stream from listener {} routed into byte stream {}: message boundaries "
                            + "are lost (logged once per listener and cluster)", name, listener, h.origin);
                } else {
                    logger.debug("{} datagram stream from listener {} routed into byte stream {}: message boundaries "
                            + "are lost", name, listener, h.origin);
                }
                return;
            }
        }
    }

    private List<Hop> hops() {
        final List<Hop> l = new ArrayList<>();
        for (final Hop h : ingress) {
            l.add(h);
        }
        if (destination != null) {
            l.add(destination);
        }
        for (final Hop h : egress) {
            l.add(h);
        }
        return l;
    }

    // ------------------------------------------------------------------ data path

    /** Moves one message from {@code from}'s stage to the next hop; takes ownership of {@code msg}. */
    void forward(Hop from, ByteBuf msg) {
        if (from.role == Hop.SOURCE) {
            ingressPackets++;
            ingressBytes += msg.readableBytes();
        } else if (from.role == Hop.DESTINATION) {
            egressPackets++;
            egressBytes += msg.readableBytes();
        }
        final Hop n = from.next;
        if (msg.readableBytes() > MAX_DATAGRAM_PAYLOAD && n != null && n.takesDatagrams() && from.readsBytes()) {
            // A byte stream is read as much as the socket has ready (64 KiB and more), and as one datagram that is
            // refused (EMSGSIZE) and lost without a word. Its boundaries mean nothing, so it goes on in pieces.
            while (msg.readableBytes() > MAX_DATAGRAM_PAYLOAD) {
                deliver(from, n, msg.readRetainedSlice(MAX_DATAGRAM_PAYLOAD));
            }
        }
        deliver(from, n, msg);
    }

    /** Writes {@code msg} into {@code n}'s stage, or keeps it while {@code n} connects; takes ownership. */
    private void deliver(Hop from, @Nullable Hop n, ByteBuf msg) {
        if (n != null && n.ready) {
            final Stage s = n.stage;
            s.write(msg);
            if (!s.isWritable()) {
                from.stage.setAutoRead(false);
            }
            return;
        }
        if (n == null || ended()) {
            msg.release();
            return;
        }
        if (!n.enqueue(msg)) {
            dropped++;
        }
        if (from.stage != null && from.stage.streamKind() == StreamKind.BYTE) {
            from.stage.setAutoRead(false);
        }
    }

    /**
     * A byte-stream peer finished sending (half-close), or a transform passed such an end on. The end of stream goes
     * to the next stage when it can take it (a peer that can half-close, or a local transform, which passes it on
     * after what came before it), unless it would reach a destination whose route reconnects it on disconnect; the
     * session then ends once both directions have ended. Otherwise the half-close ends the session, as l7mp does,
     * except after an HTTP request, whose response may still come.
     */
    void inputShutdown(Hop h) {
        final Stage s = h.stage;
        if (ended() || s == null) {
            return;
        }
        final Hop n = h.next;
        final boolean towardsDestination = h.role == Hop.SOURCE || h.role == Hop.INGRESS;
        final boolean passes = towardsDestination || !retry.retryOn().onDisconnect();
        if (passes && n != null && n.ready && !n.hasPending()
                && (n.role == Hop.DESTINATION ? destinationDone : n.role == Hop.SOURCE && sourceDone)) {
            // The other direction has finished already: the close that ends the session sends the end of stream
            // after what is queued, so a separate shutdown would be one more syscall per connection.
            if (h.role == Hop.SOURCE || h.role == Hop.DESTINATION) {
                event("HALF-CLOSE", "{} finished sending", h.origin, null);
            }
            end(null);
            return;
        }
        if (passes && n != null && n.ready && !n.hasPending() && n.stage.shutdownOutput()) {
            if (h.role == Hop.SOURCE || h.role == Hop.DESTINATION) {
                event("HALF-CLOSE", "{} finished sending", h.origin, null);
            }
            if (n.role == Hop.DESTINATION) {
                sourceDone = true;
            } else if (n.role == Hop.SOURCE) {
                destinationDone = true;
            }
            if (sourceDone && destinationDone) {
                end(null);
            } else if (lingerTimer == null) {
                linger(-1);
            }
            return;
        }
        if (towardsDestination && source.stage instanceof RequestEnd) {
            // A request (HTTP) ended but its destination cannot be told so: the response may still come, and
            // ends the session when the destination closes or the client goes away. Bounded as a half-close is,
            // since a client that gave up looks the same (its FIN) until something is written to it.
            event("HALF-CLOSE", "{} finished its request", source.origin, null);
            if (lingerTimer == null) {
                linger(-1);
            }
            return;
        }
        if (h.role == Hop.INGRESS || h.role == Hop.EGRESS) {
            // The end came through a transform and stops here: it ends the session, as the peer's FIN would have.
            end(null);
            return;
        }
        stageClosed(h, null);
        s.close(null);
    }

    /**
     * Bounds a half-closed session: it ends once no byte moved either way for {@link #HALF_CLOSE_IDLE_MILLIS}, so a
     * peer that ignores the end of its input (a process that never reads its stdin) cannot keep it forever.
     */
    private void linger(long lastBytes) {
        if (ended()) {
            return;
        }
        final long moved = ingressBytes + egressBytes;
        if (moved == lastBytes) {
            event("HALF-CLOSE", "idle for {} ms after a half-close", String.valueOf(HALF_CLOSE_IDLE_MILLIS), null);
            end(null);
            return;
        }
        lingerTimer = loop.schedule(() -> linger(moved), HALF_CLOSE_IDLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A stage closed by its peer or failed. */
    void stageClosed(Hop h, @Nullable Throwable cause) {
        if (ended() || h.stage == null) {
            return;
        }
        h.stage = null;
        h.ready = false;
        h.attempt++;
        h.status = "DISCONNECTED";
        event("DISCONNECT", "{} disconnected", h.origin, cause == null ? null : String.valueOf(cause.getMessage()));
        if (cause != null) {
            logger.debug("{} stage {} failed: {}", name, h.origin, cause.toString());
        }
        if (h.role == Hop.SOURCE || sourceDone || destinationDone) {
            // Half-closed: a new stage would not know where the stream stopped, so the session finishes instead.
            // A peer that had finished its stream (its end was passed on) and then failed (a server that answered,
            // shut its output and reset the request it did not read) took nothing with it that was not delivered:
            // the rest ends normally, so that what the other side still has queued, the end of that answer, reaches
            // it instead of being dropped behind a close that looks clean.
            final boolean finished = h.role == Hop.SOURCE ? sourceDone : h.role == Hop.DESTINATION && destinationDone;
            end(finished ? null : cause);
            return;
        }
        if (retry.retryOn().onDisconnect() && h.reconnects < retry.numRetries() && h.cluster != null
                && h.cluster.provider.retriable()) {
            logger.debug("{} stage {} disconnected, reconnecting", name, h.origin);
            status = SessionStatus.DISCONNECTED;
            retries++;
            h.reconnects++;
            h.status = "RETRYING";
            // A connect that fails on the way back gets what is left of the budget.
            connect(h, retry.numRetries() - h.reconnects);
            return;
        }
        end(cause);
    }

    /** Disconnects the stages that use one of these endpoints, so that they reconnect per the retry policy. */
    void disconnectEndpoints(Set<String> names) {
        for (final Hop h : hops()) {
            if (h.endpoint != null && names.contains(h.endpoint.name()) && h.stage != null) {
                final Stage s = h.stage;
                final SessionError why = new SessionError(503, "endpoint " + h.endpoint.name() + " deleted");
                s.close(why);
                stageClosed(h, why);
            }
        }
    }

    /**
     * Moves the session onto a changed route: the source stays, every other stage is replaced. A session still
     * connecting (waiting to retry a dead destination, say) moves too, and its pending connects and retries stop.
     */
    void reroute(RouteEntry re) {
        if (ended() || route == null || sourceDone || destinationDone) {
            return;
        }
        event("REROUTE", "route {} changed", re.name(), null);
        for (final Hop h : hops()) {
            h.releasePending();
            h.detach(null);
        }
        rerouting = true;
        useRoute(re);
        connectAll();
    }

    void fail(SessionError cause, boolean keep) {
        errors++;
        logger.debug("{} failed: {}", name, cause.getMessage());
        end(cause, keep);
    }

    /** Ends the session: every stage closed, counters folded into their owners. Idempotent. On the loop. */
    void end(@Nullable Throwable cause) {
        end(cause, true);
    }

    /** Ends the session normally because the proxy, or its listener or cluster, goes away ({@link Stage#goingAway}). */
    void goAway() {
        if (ended()) {
            return;
        }
        for (final Hop h : hops()) {
            if (h.stage != null) {
                h.stage.goingAway();
            }
        }
        if (source.stage != null) {
            source.stage.goingAway();
        }
        end(null);
    }

    private void end(@Nullable Throwable cause, boolean keep) {
        if (ended()) {
            return;
        }
        status = SessionStatus.FINALIZING;
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
        }
        // One clock read for the end and the destruction, which follows it in the same call.
        final long now = System.currentTimeMillis();
        event(cause == null ? "END" : "ERROR", cause == null ? "session ended" : "session failed", null,
                cause == null ? null : String.valueOf(cause.getMessage()), now);
        for (final Hop h : hops()) {
            h.releasePending();
            h.detach(cause);
            h.status = "END";
        }
        source.releasePending();
        source.detach(cause);
        source.status = "END";
        if (hooks != null) {
            hooks.teardown(cause);
        }
        // The event goes in before the status: a snapshot reads the status first, so a DESTROYED one has its event.
        event("DESTROY", "session destroyed", null, null, now);
        status = SessionStatus.DESTROYED;
        engine.sessionEnded(this, keep);
    }

    // ------------------------------------------------------------------ views

    /** One event-log entry; its message is formatted only when somebody reads it. */
    private static final class Ev {
        /** Events before this one in the session. */
        final int seq;
        final String event;
        final long millis;
        final String template;
        final @Nullable String subject;
        final @Nullable String content;
        /** The event before this one; cut (by the loop) once it is {@link #MAX_EVENTS} back. */
        @Nullable Ev prev;

        Ev(String event, long millis, String template, @Nullable String subject, @Nullable String content,
           @Nullable Ev prev) {
            this.seq = prev == null ? 0 : prev.seq + 1;
            this.event = event;
            this.millis = millis;
            this.template = template;
            this.subject = subject;
            this.content = content;
            this.prev = prev;
        }

        SessionEvent toEvent(String session) {
            return new SessionEvent(session, event, Instant.ofEpochMilli(millis),
                    subject == null ? template : template.replace("{}", subject), content);
        }
    }

    void event(String ev, String template, @Nullable String subject, @Nullable String content) {
        event(ev, template, subject, content, System.currentTimeMillis());
    }

    /** Records an event at {@code millis}. On the loop. */
    private void event(String ev, String template, @Nullable String subject, @Nullable String content, long millis) {
        final Ev e = new Ev(ev, millis, template, subject, content, lastEvent);
        if ((e.seq + 1) % MAX_EVENTS == 0) {
            // Keeps between MAX_EVENTS and twice that many reachable. A snapshot that walks the chain meanwhile may
            // find it cut short; it then starts again from the newest event (see info).
            Ev cut = e;
            for (int i = 1; i < MAX_EVENTS && cut != null; i++) {
                cut = cut.prev;
            }
            if (cut != null) {
                cut.prev = null;
            }
        }
        lastEvent = e;
        if (engine.hasSubscribers()) {
            engine.publish(e.toEvent(name));
        }
    }

    /** Returns the metadata, rebuilt from its compact form when the session needs it again (reconnects). */
    ObjectNode metadata() {
        ObjectNode m = metadata;
        if (m == null) {
            try {
                m = (ObjectNode) JSON.readTree(metadataBytes);
            } catch (final java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            metadata = m;
        }
        return m;
    }

    /** Replaces the metadata while the session is set up (session transforms). */
    void metadata(ObjectNode m) {
        metadata = m;
    }

    private void publishMetadata() {
        final Stage src = source.stage;
        if (src != null && src.streamKind() == StreamKind.BYTE) {
            metadataBytes = null;
            // The rules and session transforms are done with the tree, and clusters only read it: it is published
            // as it is (a snapshot copies it). Session transforms get it back at teardown, as a JsonNode they might
            // change, so then the view keeps a copy of its own.
            metadataCopy = hooks == null ? metadata() : metadata().deepCopy();
            return;
        }
        try {
            metadataCopy = null;
            metadataBytes = JSON.writeValueAsBytes(metadata());
        } catch (final com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps the routed metadata only in its compact form while the session is connected. */
    private void compactMetadata() {
        if (metadataBytes != null) {
            metadata = null;
        }
    }

    private JsonNode publishedMetadata() {
        final ObjectNode c = metadataCopy;
        if (c != null) {
            // Callers may change what they get: the copy stays the session's.
            return c.deepCopy();
        }
        final byte[] b = metadataBytes;
        if (b == null) {
            return EMPTY;
        }
        try {
            return JSON.readTree(b);
        } catch (final java.io.IOException e) {
            return EMPTY;
        }
    }

    boolean uses(ClusterEntry c) {
        return usesCluster(c.name());
    }

    // The two below run for every ended session and in every stats snapshot (live sessions times clusters): they
    // walk the hop arrays in place rather than through a list built per call.

    boolean usesCluster(String cluster) {
        final Hop d = destination;
        return in(ingress, cluster, null) || d != null && d.origin.equals(cluster) || in(egress, cluster, null);
    }

    boolean usesEndpoint(String endpoint) {
        final Hop d = destination;
        return in(ingress, null, endpoint) || d != null && d.endpoint != null && d.endpoint.name().equals(endpoint)
                || in(egress, null, endpoint);
    }

    private static boolean in(Hop[] hops, @Nullable String cluster, @Nullable String endpoint) {
        for (final Hop h : hops) {
            if (cluster != null ? h.origin.equals(cluster) : h.endpoint != null && h.endpoint.name().equals(endpoint)) {
                return true;
            }
        }
        return false;
    }

    /** Calls {@code action} once for each distinct cluster name among this session's hops. */
    void forEachCluster(java.util.function.Consumer<String> action) {
        final List<Hop> hops = hops();
        for (int i = 0; i < hops.size(); i++) {
            final String c = hops.get(i).origin;
            boolean seen = false;
            for (int j = 0; j < i && !seen; j++) {
                seen = hops.get(j).origin.equals(c);
            }
            if (!seen) {
                action.accept(c);
            }
        }
    }

    Stats stats() {
        return new Stats(1, ended() ? 0 : 1, ingressPackets, ingressBytes, egressPackets, egressBytes, errors, retries);
    }

    SessionInfo info() {
        final SessionStatus st = status;
        final Hop d = destination;
        final List<SessionEvent> ev = events();
        final RouteEntry r = route;
        return new SessionInfo(name, publishedMetadata(), st, listener, r == null ? null : r.name(),
                stageInfo(source), d == null ? null : stageInfo(d), stageInfos(ingress), stageInfos(egress), stats(),
                ev);
    }

    /** Returns the last {@link #MAX_EVENTS} events, oldest first. */
    private List<SessionEvent> events() {
        final Ev[] last = new Ev[MAX_EVENTS];
        int n = 0;
        // The loop cuts the chain behind the newest MAX_EVENTS while this walks it: a walk that finds fewer than
        // the head's sequence promises raced a cut and starts again from the newer head (bounded; a session that
        // keeps adding events that fast gets what the last walk found).
        for (int attempt = 0; attempt < 8; attempt++) {
            final Ev head = lastEvent;
            n = 0;
            for (Ev e = head; e != null && n < MAX_EVENTS; e = e.prev) {
                last[n++] = e;
            }
            if (head == null || n == Math.min(MAX_EVENTS, head.seq + 1)) {
                break;
            }
        }
        final List<SessionEvent> l = new ArrayList<>(n);
        for (int i = n - 1; i >= 0; i--) {
            l.add(last[i].toEvent(name));
        }
        return l;
    }

    private static List<StageInfo> stageInfos(Hop[] hops) {
        final List<StageInfo> l = new ArrayList<>(hops.length);
        for (final Hop h : hops) {
            l.add(stageInfo(h));
        }
        return l;
    }

    private static StageInfo stageInfo(Hop h) {
        final Stage s = h.stage;
        final EndpointEntry e = h.endpoint;
        return new StageInfo(h.origin, e == null ? null : e.name(), s == null ? "" : s.describe(), h.status);
    }
}
