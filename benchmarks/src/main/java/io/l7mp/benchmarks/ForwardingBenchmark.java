package io.l7mp.benchmarks;

import io.l7mp.L7mp;
import io.l7mp.protocol.UdpSpec;
import io.l7mp.spec.ProtocolSpec;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One datagram through a live session and back: a UDP listener routed to the Echo cluster, on loopback, measured as
 * a blocking round trip from a JDK datagram channel. Covers demultiplexing, forwarding and the reply path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ForwardingBenchmark {
    private L7mp proxy;
    private DatagramChannel client;
    private final ByteBuffer out = ByteBuffer.allocateDirect(100);
    private final ByteBuffer in = ByteBuffer.allocateDirect(2048);

    @Setup(Level.Trial)
    public void setup() throws Exception {
        proxy = L7mp.builder()
                .cluster("echo", c -> c.spec(ProtocolSpec.of("Echo")))
                .listener("in", l -> l.spec(UdpSpec.bind("127.0.0.1", 0))
                        .rule(r -> r.route(rt -> rt.destination("echo"))))
                .build();
        proxy.start().get(10, TimeUnit.SECONDS);
        client = DatagramChannel.open();
        client.bind(new InetSocketAddress("127.0.0.1", 0));
        client.connect(new InetSocketAddress("127.0.0.1", proxy.listener("in").port()));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        proxy.close();
    }

    @Benchmark
    public int udpRoundTripThroughEcho() throws Exception {
        out.clear();
        out.position(100);
        out.flip();
        client.write(out);
        in.clear();
        return client.read(in);
    }
}
