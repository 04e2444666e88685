package io.l7mp.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Evaluation of compiled matchers (regex aside) must not allocate per call. */
class AllocationTest {

    private static final int CALLS = 200_000;

    @Test
    void evaluationDoesNotAllocate() {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        final JsonNode meta = Json.richMetadata();
        final Matcher matcher = Json.compile("{op:'and', apply:["
                + "{op:'test', path:'/IP/src_addr', value:'127.0.0.1'},"
                + "{op:'test', path:'/UDP', value:{src_port:15001.0, dst_port:15000}},"
                + "{op:'test', path:'/labels/session_id', value:'ABC', ignore_case:true},"
                + "{op:'contains', path:'/HTTP/url/path', value:'MIN', ignore_case:true},"
                + "{op:'starts', path:'/HTTP/url/path', value:'/admin'},"
                + "{op:'ends', path:'/HTTP/url/path', value:'/X', ignore_case:true},"
                + "{op:'in', path:'/UDP/dst_port', value:[53, 15000]},"
                + "{op:'contained', path:'/tags', value:{k:{v:1}}},"
                + "{op:'intersects', path:'/tags', value:['zz', 3]},"
                + "{op:'less', path:'/ratio', value:1}, {op:'more', path:'/UDP/src_port', value:1024},"
                + "{op:'defined', path:'/tags/4'}, {op:'undefined', path:'/tags/9'},"
                + "{op:'type', path:'/IP', value:'object'},"
                + "{op:'or', path:'/HTTP', apply:[{op:'test', path:'/headers/host', value:'zz'},"
                + "  {op:'test', path:'/headers/host', value:'a'}]},"
                + "{op:'not', apply:[{op:'test', path:'/IP/src_addr', value:'10.0.0.1'}]}]}");

        boolean all = true;
        for (int i = 0; i < CALLS; i++) {
            all &= matcher.test(meta);
        }
        assertThat(all).isTrue();

        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            all &= matcher.test(meta);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(all).isTrue();
        // Even 8 bytes per call would show up as 1.6 MB; the slack covers the measuring itself.
        assertThat(allocated).as("bytes allocated by %d evaluations", CALLS).isLessThan(64 * 1024);
    }
}
