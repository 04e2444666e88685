package io.l7mp.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.internal.lb.LoadBalancer;
import io.l7mp.internal.lb.LoadBalancers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Cost of picking an endpoint for a new session. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerBenchmark {
    @Param({"Trivial", "RoundRobin", "ConsistentHash"})
    public String policy;

    @Param({"3", "32"})
    public int endpoints;

    private LoadBalancer<String> lb;
    private ObjectNode metadata;

    @Setup
    public void setup() {
        final List<String> eps = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            eps.add("10.0.0." + i);
        }
        lb = LoadBalancers.create(policy, "/IP/src_addr", eps, e -> 1 + e.length() % 3, e -> e);
        metadata = JsonNodeFactory.instance.objectNode();
        metadata.putObject("IP").put("src_addr", "192.168.17.42");
    }

    @Benchmark
    public String pick() {
        return lb.pick(metadata);
    }
}
