package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.RouteEntry;
import io.l7mp.spec.RetrySpec;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.SessionHook;
import io.l7mp.spi.SessionSetup;
import io.l7mp.spi.SessionUpdate;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the session transforms of a session's route ({@link SessionHook}s, the route's {@code session} list) one after
 * another before the session connects, each bounded by the route's timeout and retried per its policy, and their
 * teardowns when it ends. Confined to the session's loop; exists only for sessions whose route has such transforms.
 */
final class SessionHooks {
    private static final Logger logger = LoggerFactory.getLogger(SessionHooks.class);
    /** How many times session transforms may switch the route; more is a loop. */
    static final int MAX_SWITCHES = 16;

    private record Ran(String cluster, SessionHook hook) {
    }

    private final SessionImpl session;
    private final List<Ran> ran = new ArrayList<>(2);
    /** Bumped per call and at teardown, so that a late answer is ignored. */
    private int attempt;
    /** The next try's timer, cancelled on teardown so that it does not keep an ended session. */
    private @Nullable ScheduledFuture<?> retryTimer;

    SessionHooks(SessionImpl session) {
        this.session = session;
    }

    /** Runs {@code re}'s session transforms, then connects the route the last one leaves. */
    void start(RouteEntry re) {
        run(re, 0, 0, tries(re));
    }

    private static int tries(RouteEntry re) {
        final RetrySpec r = re.spec().retryOrDefault();
        return r.retryOn().onConnectFailure() ? r.numRetries() : 0;
    }

    private void run(RouteEntry re, int i, int switches, int triesLeft) {
        if (session.ended()) {
            return;
        }
        final List<String> names = re.session();
        if (i == names.size()) {
            session.routed(re);
            return;
        }
        final String name = names.get(i);
        final long timeout = re.spec().retryOrDefault().timeoutMillis();
        final ClusterEntry c = session.engine.state().clusters().get(name);
        if (c == null || c.impl == null) {
            // As for a stage: the cluster may be added meanwhile, so a retry may find it.
            failed(re, i, switches, triesLeft, new SessionError(404, "session transform: cluster \"" + name
                    + "\" not found"));
            return;
        }
        if (!(c.impl instanceof SessionHook hook)) {
            session.fail(new SessionError(500, "cluster \"" + name + "\" (" + c.spec.spec().protocol()
                    + ") is not a session transform"), true);
            return;
        }
        final int att = ++attempt;
        final Future<SessionUpdate> f;
        try {
            f = hook.setup(new SessionSetup(session.name, session.loop, session.metadata().deepCopy(), re.name(),
                    timeout));
        } catch (final RuntimeException e) {
            failed(re, i, switches, triesLeft, e);
            return;
        }
        if (f.isDone()) {
            done(re, i, switches, triesLeft, c, hook, f);
            return;
        }
        final ScheduledFuture<?> timer = session.loop.schedule(() -> {
            if (attempt == att && !f.isDone()) {
                attempt++;
                failed(re, i, switches, triesLeft, new SessionError(504, "session transform " + name
                        + " timed out after " + timeout + " ms"));
            }
        }, timeout, TimeUnit.MILLISECONDS);
        f.addListener(x -> {
            timer.cancel(false);
            if (attempt == att) {
                done(re, i, switches, triesLeft, c, hook, f);
            }
        });
    }

    private void done(RouteEntry re, int i, int switches, int triesLeft, ClusterEntry c, SessionHook hook,
                      Future<SessionUpdate> f) {
        if (session.ended()) {
            return;
        }
        if (!f.isSuccess()) {
            failed(re, i, switches, triesLeft, f.cause());
            return;
        }
        final SessionUpdate u = f.getNow() == null ? SessionUpdate.NONE : f.getNow();
        ran.add(new Ran(c.name(), hook));
        c.counters.sessions.increment();
        if (u.metadata() != null) {
            session.metadata(u.metadata());
        }
        final String route = u.route();
        if (route == null || route.equals(re.name())) {
            session.event("SETUP", "session transform {} done", c.name(), null);
            run(re, i + 1, switches, tries(re));
            return;
        }
        session.event("SETUP", "session transform {} chose route " + route, c.name(), null);
        if (switches + 1 >= MAX_SWITCHES) {
            session.fail(new SessionError(508, "No route for session: session transforms switched the route more "
                    + "than " + MAX_SWITCHES + " times"), true);
            return;
        }
        final RouteEntry next = session.engine.state().routes().get(route);
        if (next == null) {
            session.fail(new SessionError(404, "No route for session: route \"" + route + "\" (chosen by session "
                    + "transform " + c.name() + ") not found"), true);
            return;
        }
        run(next, 0, switches + 1, tries(next));
    }

    private void failed(RouteEntry re, int i, int switches, int triesLeft, Throwable cause) {
        if (session.ended()) {
            return;
        }
        final String name = re.session().get(i);
        if (triesLeft > 0) {
            session.retries++;
            session.event("RETRY", "retrying session transform {}", name, String.valueOf(cause.getMessage()));
            retryTimer = session.loop.schedule(() -> {
                retryTimer = null;
                run(re, i, switches, triesLeft - 1);
            }, re.spec().retryOrDefault().timeoutMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        session.fail(cause instanceof SessionError se ? se
                : new SessionError(502, "session transform " + name + ": " + cause.getMessage(), cause), true);
    }

    /** Tells every transform that set the session up that it ended, last first. */
    void teardown(@Nullable Throwable cause) {
        attempt++;
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
        if (ran.isEmpty()) {
            return;
        }
        final JsonNode md = session.metadata();
        for (int i = ran.size() - 1; i >= 0; i--) {
            final Ran r = ran.get(i);
            try {
                r.hook().teardown(session.name, session.loop, md, cause);
            } catch (final RuntimeException e) {
                logger.warn("{} session transform {}: teardown failed", session, r.cluster(), e);
            }
        }
        ran.clear();
    }
}
