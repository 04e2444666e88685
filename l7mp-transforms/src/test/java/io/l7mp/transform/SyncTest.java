package io.l7mp.transform;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.l7mp.L7mp;
import io.l7mp.SessionEvent;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.testing.Await;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SyncTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Two listeners (so two event loops with threads(2)), each labelling its sessions, routed to one Sync. */
    private static L7mp proxy(SyncSpec sync, String labelA, String labelB, long timeoutMillis) {
        return L7mp.builder()
                .threads(2)
                .cluster("sync", c -> c.spec(sync))
                .listener("a", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.rewrite("/labels/session_id", labelA)
                                .route(rt -> rt.destination("sync").timeout(Duration.ofMillis(timeoutMillis)))))
                .listener("b", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.rewrite("/labels/session_id", labelB)
                                .route(rt -> rt.destination("sync").timeout(Duration.ofMillis(timeoutMillis)))))
                .listener("none", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("sync"))))
                .build();
    }

    @Test
    void twoUdpSessionsWithTheSameValueTalkToEachOther() throws Exception {
        try (L7mp proxy = proxy(SyncSpec.query("/labels/session_id"), "1", "1", 3000);
             Udp a = new Udp();
             Udp b = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress toA = Udp.of(proxy, "a");
            final InetSocketAddress toB = Udp.of(proxy, "b");
            // A's first message waits in its listener while A waits for a peer; B's arrival completes both.
            a.send(toA, "from-a");
            Await.until(WAIT, "A waiting at the rendezvous", () -> proxy.sessions().size() == 1);
            b.send(toB, "from-b");
            assertThat(b.receive()).isEqualTo("from-a");
            assertThat(a.receive()).isEqualTo("from-b");
            for (int i = 1; i <= 50; i++) {
                final String ma = "a" + "x".repeat(i);
                final String mb = "b" + "y".repeat(2 * i);
                a.send(toA, ma);
                b.send(toB, mb);
                assertThat(b.receive()).isEqualTo(ma);
                assertThat(a.receive()).isEqualTo(mb);
            }
        }
    }

    @Test
    void everyOtherMemberReceivesAndALoneMembersDataIsDropped() throws Exception {
        try (L7mp proxy = proxy(SyncSpec.query("labels/session_id"), "room", "room", 3000);
             Udp a = new Udp();
             Udp b = new Udp();
             Udp c = new Udp()) {
            proxy.start().get(5, SECONDS);
            final InetSocketAddress toA = Udp.of(proxy, "a");
            final InetSocketAddress toB = Udp.of(proxy, "b");
            a.send(toA, "hello");
            b.send(toB, "hi");
            assertThat(b.receive()).isEqualTo("hello");
            assertThat(a.receive()).isEqualTo("hi");
            // A third member joins at once: the domain is complete already.
            c.send(toB, "c-joins");
            assertThat(a.receive()).isEqualTo("c-joins");
            assertThat(b.receive()).isEqualTo("c-joins");
            a.send(toA, "to-all");
            assertThat(b.receive()).isEqualTo("to-all");
            assertThat(c.receive()).isEqualTo("to-all");
            // B and C leave; A is alone and what it sends goes nowhere.
            for (final var s : proxy.sessions()) {
                if (s.listener().equals("b")) {
                    proxy.deleteSession(s.name()).get(5, SECONDS);
                }
            }
            Await.until(WAIT, "B and C gone", () -> proxy.sessions().size() == 1);
            final long before = proxy.sessions().get(0).stats().ingressPackets();
            a.send(toA, "anyone?");
            Await.until(WAIT, "A's message to reach the rendezvous",
                    () -> proxy.sessions().get(0).stats().ingressPackets() == before + 1);
            final Udp late = new Udp();
            try (late) {
                late.send(toB, "late");
                assertThat(a.receive()).isEqualTo("late");
                a.send(toA, "welcome");
                assertThat(late.receive()).isEqualTo("welcome");
            }
        }
    }

    /** A member whose wait for a peer ends connects alone, as l7mp does; a peer that comes later joins it. */
    @Test
    void aLoneMemberConnectsAloneAfterItsWaitAndALaterPeerJoinsIt() throws Exception {
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp proxy = proxy(SyncSpec.query("/labels/session_id"), "alone", "alone", 300);
             Udp a = new Udp();
             Udp b = new Udp()) {
            proxy.subscribe(events::add);
            proxy.start().get(5, SECONDS);
            final InetSocketAddress toA = Udp.of(proxy, "a");
            a.send(toA, "anyone?");
            Await.until(WAIT, "A to connect alone", () -> events.stream()
                    .anyMatch(e -> e.event().equals("CONNECT")));
            assertThat(events).noneMatch(e -> e.event().equals("ERROR"));
            assertThat(proxy.sessions()).hasSize(1);
            // Much later than the wait: B joins A at once, and the two talk.
            final InetSocketAddress toB = Udp.of(proxy, "b");
            b.send(toB, "here");
            assertThat(a.receive()).isEqualTo("here");
            a.send(toA, "welcome");
            assertThat(b.receive()).isEqualTo("welcome");
            assertThat(events).noneMatch(e -> e.event().equals("ERROR"));
        }
    }

    @Test
    void aSessionWithoutTheValueFailsWith400() throws Exception {
        final List<SessionEvent> events = new CopyOnWriteArrayList<>();
        try (L7mp proxy = proxy(SyncSpec.query("/labels/session_id"), "1", "1", 300);
             Udp n = new Udp()) {
            proxy.subscribe(events::add);
            proxy.start().get(5, SECONDS);
            n.send(Udp.of(proxy, "none"), "x");
            Await.until(WAIT, "the connect to fail", () -> events.stream().anyMatch(e -> e.event().equals("ERROR")));
            assertThat(events.stream().filter(e -> e.event().equals("ERROR")).findFirst().orElseThrow().content())
                    .startsWith("Sync sync: no value at /labels/session_id in the metadata of session UDP:");
        }
    }

    @Test
    void minMembersOneConnectsAtOnceAsL7mpDoes() throws Exception {
        try (L7mp proxy = proxy(SyncSpec.query("/labels/session_id").withMinMembers(1), "1", "1", 300);
             Udp a = new Udp();
             Udp b = new Udp()) {
            proxy.start().get(5, SECONDS);
            a.send(Udp.of(proxy, "a"), "lost");
            Await.until(WAIT, "A connected alone and its message dropped", () -> proxy.sessions().size() == 1
                    && proxy.sessions().get(0).stats().ingressPackets() == 1);
            b.send(Udp.of(proxy, "b"), "found");
            assertThat(a.receive()).isEqualTo("found");
            a.send(Udp.of(proxy, "a"), "reply");
            assertThat(b.receive()).isEqualTo("reply");
            b.socket.setSoTimeout(200);
            try {
                final String extra = b.receive();
                assertThat(extra).as("A's message sent while alone").isNull();
            } catch (final SocketTimeoutException expected) {
                // nothing else arrived: "lost" was dropped
            }
        }
    }
}
