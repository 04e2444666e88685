package io.l7mp.benchmarks;

import io.l7mp.L7mp;
import io.l7mp.Stats;
import io.l7mp.internal.protocol.Net;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.ListenerContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's user-space cost of one short TCP connection, without the kernel: sessions go through the engine as
 * the loopback benchmark's "TCP connections/s" row has them (a listener routed by a rule to a cluster with one
 * endpoint; the client sends 64 bytes, reads them back from the echo server and closes; the server closes on the
 * client's FIN), but their stages are {@link MemoryTcpProtocol}'s in-memory ones. Each session is started the way the
 * TCP listener starts one ({@link Net#newSession}: its name from the address tuple, its IP metadata) and takes the
 * engine's whole path: rules, route, connect with its timeout, events, metadata, the half-close and its linger timer,
 * the end with its counters. Eight sessions are in flight at a time on one event loop, as the row's eight clients;
 * a benchmark operation is one session (of a batch of {@value #BATCH}, so that handing the batch to the loop and
 * waiting for it costs next to nothing per session). Run with {@code -prof gc} for the bytes allocated per session.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SessionBenchmark {
    static final int BATCH = 4000;
    private static final int CONCURRENT = 8;
    private static final int REQUEST = 64;

    private L7mp proxy;
    private ListenerContext listener;
    private EventLoop loop;
    private final InetAddress client = InetAddress.getLoopbackAddress();
    private final InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 19101);
    /** Loop only: the next client port. */
    private int port = 1024;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        proxy = L7mp.builder()
                .threads(1)
                .cluster("echo", c -> c.spec(ProtocolSpec.of("MemTCP")).endpoint("127.0.0.1", 19001))
                .listener("in", l -> l.spec(ProtocolSpec.of("MemTCP"))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
        proxy.start().get(10, TimeUnit.SECONDS);
        listener = MemoryTcpProtocol.context("in");
        if (listener == null) {
            throw new IllegalStateException("MemTCP listener not started");
        }
        loop = listener.transport().group().next();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        // Every session must have gone the whole way: connected, 64 bytes each way, ended without an error.
        final Stats st = proxy.listener("in").stats();
        proxy.close();
        if (st.sessions() == 0 || st.activeSessions() != 0 || st.errors() != 0
                || st.ingressBytes() != st.sessions() * REQUEST || st.egressBytes() != st.sessions() * REQUEST) {
            throw new IllegalStateException("sessions did not run as a TCP connection does: " + st);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void tcpConnectionSession() throws Exception {
        final Batch b = new Batch();
        loop.execute(b::start);
        b.done.get(60, TimeUnit.SECONDS);
    }

    /** {@link #BATCH} sessions, {@link #CONCURRENT} at a time; confined to the loop. */
    private final class Batch {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private int toStart = BATCH;
        private int running;

        void start() {
            for (int i = 0; i < CONCURRENT; i++) {
                next();
            }
        }

        private void next() {
            if (toStart == 0) {
                if (running == 0) {
                    done.complete(null);
                }
                return;
            }
            toStart--;
            running++;
            port = port == 65535 ? 1024 : port + 1;
            final InetSocketAddress remote = new InetSocketAddress(client, port);
            final ByteBuf request = ByteBufAllocator.DEFAULT.directBuffer(REQUEST).writeZero(REQUEST);
            final MemoryTcpProtocol.ClientStage stage = new MemoryTcpProtocol.ClientStage(loop, request, () ->
                    // Not from inside the ending session: the next connection comes on a later turn.
                    loop.execute(() -> {
                        running--;
                        next();
                    }));
            Net.newSession(listener, "TCP", remote, local, stage);
        }
    }
}
