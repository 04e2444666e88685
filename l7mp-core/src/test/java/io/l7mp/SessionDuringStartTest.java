package io.l7mp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.l7mp.spec.BasicSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spec.RetryOn;
import io.l7mp.spec.RetrySpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.Listener;
import io.l7mp.spi.ListenerContext;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StageHandler;
import io.l7mp.spi.StreamKind;
import io.l7mp.testing.Await;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A listener may emit a session while it starts (a singleton UDP listener does, as soon as its socket is connected):
 * that session is routed and connected on the change being committed, so it must find the clusters that the same
 * change adds. Before the fix it found the rule but not the cluster ("cluster not found"), and with retries it waited
 * a whole retry timeout before its next attempt (the service-mesh example's rendezvous then missed its peer).
 */
class SessionDuringStartTest {
    /** What the sink cluster's stages received, in order. */
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile @Nullable Stage source;

    /** A stage on one loop that records writes (sink) or feeds the session (source, via {@link #handler}). */
    private final class MemStage implements Stage {
        final EventLoop loop;
        volatile @Nullable StageHandler handler;

        MemStage(EventLoop loop) {
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
        public void bind(StageHandler h) {
            handler = h;
        }

        @Override
        public void write(ByteBuf msg) {
            received.add(msg.toString(US_ASCII));
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
    }

    /** "Emit": its listener emits one session from inside start(), before start completes; its cluster records. */
    private final class EmitProtocol implements ProtocolProvider {
        @Override
        public String name() {
            return "Emit";
        }

        @Override
        public Class<? extends ProtocolSpec> specType() {
            return BasicSpec.class;
        }

        @Override
        public StreamKind streamKind() {
            return StreamKind.DATAGRAM;
        }

        @Override
        public boolean hasListener() {
            return true;
        }

        @Override
        public boolean hasCluster() {
            return true;
        }

        @Override
        public boolean hasEndpoints() {
            return false;
        }

        @Override
        public Listener newListener(ListenerContext ctx) {
            return new Listener() {
                @Override
                public CompletableFuture<Void> start() {
                    final EventLoop loop = ctx.transport().group().next();
                    final CompletableFuture<Void> started = new CompletableFuture<>();
                    loop.execute(() -> {
                        final MemStage s = new MemStage(loop);
                        source = s;
                        ctx.newSession("emitted", JsonNodeFactory.instance.objectNode(), s);
                        started.complete(null);
                    });
                    return started;
                }

                @Override
                public @Nullable SocketAddress localAddress() {
                    return null;
                }

                @Override
                public CompletableFuture<Void> close() {
                    return CompletableFuture.completedFuture(null);
                }
            };
        }

        @Override
        public Cluster newCluster(ClusterContext ctx) {
            return r -> r.eventLoop().newSucceededFuture(new MemStage(r.eventLoop()));
        }
    }

    @Test
    void aSessionEmittedWhileItsListenerStartsReachesAClusterAddedByTheSameChange() throws Exception {
        // One change adds both; no retries: the first connect attempt must find the cluster.
        try (L7mp proxy = L7mp.builder().protocol(new EmitProtocol())
                .cluster("sink", c -> c.spec(ProtocolSpec.of("Emit")))
                .listener("in", l -> l.spec(ProtocolSpec.of("Emit"))
                        .rule(r -> r.route(rt -> rt.destination("sink").retry(RetrySpec.of(RetryOn.NEVER)))))
                .build()) {
            proxy.start().get(5, SECONDS);
            Await.until(Duration.ofSeconds(5), "the emitted session connected", () -> proxy.sessions().stream()
                    .anyMatch(s -> s.name().equals("emitted") && s.status() == SessionStatus.CONNECTED));
            final MemStage s = (MemStage) source;
            s.loop.submit(() -> {
                s.handler.onRead(Unpooled.copiedBuffer("hello", US_ASCII));
                s.handler.onReadComplete();
            }).get(5, SECONDS);
            assertThat(received).containsExactly("hello");
            assertThat(proxy.cluster("sink").stats().sessions()).isEqualTo(1);
        }
    }

    /**
     * A session's view keeps its last 16 events, oldest first, also once the loop has trimmed older ones from its
     * log: here 38 (created, routed, 34 retries of a cluster that does not exist, failed, destroyed).
     */
    @Test
    void theSessionViewKeepsTheLastSixteenEventsInOrder() throws Exception {
        try (L7mp proxy = L7mp.builder().protocol(new EmitProtocol())
                .listener("in", l -> l.spec(ProtocolSpec.of("Emit")).track(Duration.ofSeconds(60))
                        .rule(r -> r.route(rt -> rt.destination("nowhere")
                                .retry(new RetrySpec(RetryOn.CONNECT_FAILURE, 34, 1)))))
                .build()) {
            proxy.start().get(5, SECONDS);
            Await.until(Duration.ofSeconds(10), "the emitted session failed", () -> proxy.sessions().stream()
                    .anyMatch(s -> s.name().equals("emitted") && s.status() == SessionStatus.DESTROYED));
            final List<SessionEvent> ev = proxy.session("emitted").events();
            assertThat(ev).extracting(SessionEvent::event).hasSize(16).startsWith("RETRY").endsWith("ERROR",
                    "DESTROY");
            assertThat(ev.subList(0, 14)).extracting(SessionEvent::event).containsOnly("RETRY");
            assertThat(ev).extracting(SessionEvent::timestamp).isSorted();
        }
    }
}
