package io.l7mp.benchmarks;

import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ProtocolSpec;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * How much heap an idle UDP session costs, and whether N of them fit: opens N server-mode sessions (UDP listener ->
 * Echo) from distinct loopback source addresses and ports, checks every one is still alive, and reports the heap
 * growth per session after a full GC. Run with the heap you want to check, e.g.:
 * {@code java -Xmx1g -cp benchmarks/target/benchmarks.jar io.l7mp.benchmarks.SessionMemory 100000}.
 * Sends only to 127.0.0.1; the loop is bounded by N.
 */
public final class SessionMemory {
    private SessionMemory() {
    }

    public static void main(String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        final MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        try (L7mp proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0).withIdleTimeout(3600))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build()) {
            proxy.start().get(10, TimeUnit.SECONDS);
            final InetSocketAddress to = new InetSocketAddress("127.0.0.1", proxy.listener("in").port());
            final long before = usedAfterGc(mem);
            final ByteBuffer b = ByteBuffer.allocateDirect(16);
            final long t0 = System.nanoTime();
            // One short-lived socket per session, so the client never holds more than one file descriptor.
            int sent = 0;
            for (int i = 0; sent < n && i < n * 2; i++) {
                // Explicit ports: an ephemeral port could come back and hit an existing session.
                final InetSocketAddress src = new InetSocketAddress("127.0.0." + (1 + i / 40_000), 20_000 + i % 40_000);
                try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
                    ch.bind(src);
                    b.clear();
                    b.putInt(i).flip();
                    ch.send(b, to);
                    sent++;
                } catch (final java.net.BindException e) {
                    continue;
                }
                if (sent % 500 == 0) {
                    waitForSessions(proxy, sent);
                }
            }
            waitForSessions(proxy, sent);
            final long elapsed = System.nanoTime() - t0;
            final long after = usedAfterGc(mem);
            final long live = proxy.listener("in").stats().activeSessions();
            System.out.printf("sessions opened: %d, alive: %d, in %.1f s%n", sent, live, elapsed / 1e9);
            System.out.printf("heap: %d MiB before, %d MiB after, max %d MiB%n", before >> 20, after >> 20,
                    mem.getHeapMemoryUsage().getMax() >> 20);
            System.out.printf("heap per idle UDP session: %d bytes%n", (after - before) / Math.max(1, live));
        }
    }

    private static void waitForSessions(L7mp proxy, int n) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (proxy.listener("in").stats().activeSessions() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static long usedAfterGc(MemoryMXBean mem) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
