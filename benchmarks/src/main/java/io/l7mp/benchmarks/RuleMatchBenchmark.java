package io.l7mp.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.l7mp.internal.rules.MatchCompiler;
import io.l7mp.internal.rules.Matcher;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Cost of evaluating compiled rule predicates against l7mp-shaped session metadata. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RuleMatchBenchmark {
    private JsonNode metadata;
    private Matcher test;
    private Matcher starts;
    private Matcher compound;
    private Matcher regex;

    @Setup
    public void setup() throws Exception {
        final ObjectMapper m = new ObjectMapper();
        metadata = m.readTree("""
                {"IP":{"src_addr":"127.0.0.1","dst_addr":"0.0.0.0"},"UDP":{"src_port":15001,"dst_port":15000},
                 "HTTP":{"url":{"path":"/admin/users"},"headers":{"host":"example.org","user-agent":"bench"}},
                 "labels":{"session_id":"abc-123"}}""");
        test = MatchCompiler.compile(m.readTree("""
                {"op":"test","path":"/UDP/src_port","value":15001}"""));
        starts = MatchCompiler.compile(m.readTree("""
                {"op":"starts","path":"/HTTP/url/path","value":"/admin"}"""));
        compound = MatchCompiler.compile(m.readTree("""
                {"op":"and","apply":[
                  {"op":"test","path":"/IP/src_addr","value":"127.0.0.1"},
                  {"op":"or","apply":[{"op":"less","path":"/UDP/src_port","value":1000},
                                      {"op":"in","path":"/labels/session_id","value":["x","abc-123"]}]}]}"""));
        regex = MatchCompiler.compile(m.readTree("""
                {"op":"matches","path":"/HTTP/headers/host","value":"^ex.*[.]org$"}"""));
    }

    @Benchmark
    public boolean testOp() {
        return test.test(metadata);
    }

    @Benchmark
    public boolean startsOp() {
        return starts.test(metadata);
    }

    @Benchmark
    public boolean compoundAndOrIn() {
        return compound.test(metadata);
    }

    @Benchmark
    public boolean matchesRegex() {
        return regex.test(metadata);
    }
}
