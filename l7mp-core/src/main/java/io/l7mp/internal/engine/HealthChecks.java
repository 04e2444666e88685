package io.l7mp.internal.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.l7mp.internal.engine.Entries.ClusterEntry;
import io.l7mp.internal.engine.Entries.EndpointEntry;
import io.l7mp.spec.HealthCheckSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the active health checks of the clusters that have one: one checker per cluster on one event loop, started and
 * stopped as the running config changes. A probe opens a stage through the cluster itself, so it checks what a session
 * would use (the protocol's handshake included), and closes it again.
 */
final class HealthChecks {
    private static final Logger logger = LoggerFactory.getLogger(HealthChecks.class);

    private final Engine engine;
    private final EventLoopGroup group;
    /** Checkers by cluster name; touched by the engine's control thread only. */
    private final Map<String, Checker> running = new HashMap<>();

    HealthChecks(Engine engine, EventLoopGroup group) {
        this.engine = engine;
        this.group = group;
    }

    /** Starts the checks of new or changed clusters and stops those of removed or changed ones. */
    void reconcile(State state) {
        for (final Iterator<Map.Entry<String, Checker>> it = running.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<String, Checker> e = it.next();
            final ClusterEntry c = state.clusters().get(e.getKey());
            if (c == null || c.impl != e.getValue().impl || !Objects.equals(c.spec.healthCheck(), e.getValue().spec)) {
                e.getValue().stop();
                it.remove();
            }
        }
        for (final ClusterEntry c : state.clusters().values()) {
            final HealthCheckSpec hc = c.spec.healthCheck();
            if (hc != null && c.impl != null && !running.containsKey(c.name())) {
                final Checker k = new Checker(c.name(), c.impl, hc, group.next());
                running.put(c.name(), k);
                k.start();
            }
        }
    }

    void stopAll() {
        running.values().forEach(Checker::stop);
        running.clear();
    }

    /** Probes every endpoint of one cluster each interval. Confined to its loop after {@link #start}. */
    private final class Checker {
        final String cluster;
        final Cluster impl;
        final HealthCheckSpec spec;
        final EventLoop loop;
        private final Stage source;
        private volatile @Nullable ScheduledFuture<?> timer;
        private volatile boolean stopped;

        Checker(String cluster, Cluster impl, HealthCheckSpec spec, EventLoop loop) {
            this.cluster = cluster;
            this.impl = impl;
            this.spec = spec;
            this.loop = loop;
            this.source = new ProbeSource(loop);
        }

        void start() {
            timer = loop.scheduleAtFixedRate(this::round, 0, spec.intervalMillis(), TimeUnit.MILLISECONDS);
        }

        void stop() {
            stopped = true;
            final ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }

        private void round() {
            final ClusterEntry c = engine.clusterForSession(cluster);
            if (stopped || c == null || c.impl != impl) {
                return;
            }
            for (final EndpointEntry e : c.endpoints) {
                if (!e.state.probing) {
                    new Probe(this, e).start();
                }
            }
        }
    }

    /** One probe of one endpoint: connect, optionally send and wait for an answer, close. On the checker's loop. */
    private static final class Probe implements StageHandler {
        private final Checker k;
        private final EndpointEntry e;
        private @Nullable ScheduledFuture<?> deadline;
        private @Nullable Stage stage;
        private boolean done;

        Probe(Checker k, EndpointEntry e) {
            this.k = k;
            this.e = e;
        }

        void start() {
            e.state.probing = true;
            final Future<Stage> f;
            try {
                f = k.impl.connect(new ConnectRequest("health-check:" + k.cluster, k.loop, e.spec,
                        JsonNodeFactory.instance.objectNode(), k.spec.timeoutMillis(), k.source));
            } catch (final RuntimeException ex) {
                done(false, String.valueOf(ex.getMessage()));
                return;
            }
            deadline = k.loop.schedule(() -> done(false, (stage == null ? "no connect" : "no answer") + " within "
                    + k.spec.timeoutMillis() + " ms"), k.spec.timeoutMillis(), TimeUnit.MILLISECONDS);
            f.addListener(x -> connected(f));
        }

        private void connected(Future<Stage> f) {
            if (!f.isSuccess()) {
                done(false, String.valueOf(f.cause().getMessage()));
                return;
            }
            final Stage s = f.getNow();
            if (done) {
                s.close(null);
                return;
            }
            final String send = k.spec.send();
            if (send == null) {
                s.close(null);
                done(true, null);
                return;
            }
            stage = s;
            s.bind(this);
            s.write(Unpooled.copiedBuffer(send, StandardCharsets.UTF_8));
            s.flush();
        }

        private void done(boolean passed, @Nullable String why) {
            if (done) {
                return;
            }
            done = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            final Stage s = stage;
            stage = null;
            if (s != null) {
                s.close(null);
            }
            final EndpointState st = e.state;
            st.probing = false;
            if (k.stopped) {
                return;
            }
            if (passed) {
                st.fails = 0;
                st.passes++;
                if (st.failing && st.passes >= k.spec.healthyThreshold()) {
                    st.failing = false;
                    logger.info("cluster {}: endpoint {} ({}) is healthy again", k.cluster, e.name(), e.id());
                }
            } else {
                st.passes = 0;
                st.fails++;
                if (!st.failing && st.fails >= k.spec.unhealthyThreshold()) {
                    st.failing = true;
                    logger.warn("cluster {}: endpoint {} ({}) is unhealthy after {} failed health checks: {}",
                            k.cluster, e.name(), e.id(), st.fails, why);
                }
            }
        }

        @Override
        public void onRead(ByteBuf msg) {
            msg.release();
            done(true, null);
        }

        @Override
        public void onReadComplete() {
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
        }

        @Override
        public void onClose(@Nullable Throwable cause) {
            stage = null;
            done(false, cause == null ? "closed without an answer" : String.valueOf(cause.getMessage()));
        }
    }

    /** The listener side a probe does not have: nothing reads from it and what it is sent is dropped. */
    private static final class ProbeSource implements Stage {
        private final EventLoop loop;

        ProbeSource(EventLoop loop) {
            this.loop = loop;
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
        public void bind(StageHandler handler) {
        }

        @Override
        public void write(ByteBuf msg) {
            msg.release();
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
        }

        @Override
        public String describe() {
            return "health check";
        }
    }
}
