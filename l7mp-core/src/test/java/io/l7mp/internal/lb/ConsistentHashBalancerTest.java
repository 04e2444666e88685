package io.l7mp.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConsistentHashBalancerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String KEY = "/IP/src_addr";
    private static final String GOLDEN = "31444455415335142151";

    private static JsonNode source(final String address) {
        final ObjectNode metadata = MAPPER.createObjectNode();
        metadata.putObject("IP").put("src_addr", address);
        return metadata;
    }

    private static String address(final int i) {
        return "10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF) + ":" + (1024 + i % 5000);
    }

    private static List<Ep> endpoints(final int... weights) {
        final List<Ep> endpoints = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            endpoints.add(new Ep("192.168.1." + (i + 1) + ":8080", weights[i]));
        }
        return endpoints;
    }

    private static Map<String, Double> shares(final LoadBalancer<Ep> lb, final int keys, final boolean keyed) {
        final Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            counts.merge(lb.pick(keyed ? source(address(i)) : null).name(), 1, Integer::sum);
        }
        final Map<String, Double> shares = new HashMap<>();
        counts.forEach((name, count) -> shares.put(name, 100.0 * count / keys));
        return shares;
    }

    @Test
    void sameKeyAlwaysGetsTheSameEndpoint() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", KEY, endpoints(1, 1, 1, 1, 1));
        for (int k = 0; k < 20; k++) {
            final JsonNode metadata = source(address(k * 7919));
            final Ep first = lb.pick(metadata);
            for (int i = 0; i < 1000; i++) {
                assertThat(lb.pick(metadata)).isSameAs(first);
            }
            assertThat(lb.pickAll(metadata)).containsExactly(first);
        }
        assertThat(lb.fanOut()).isFalse();
    }

    @Test
    void independentlyBuiltRingsAgree() {
        final LoadBalancer<Ep> one = Ep.balancer("ConsistentHash", KEY, endpoints(3, 1, 1));
        final LoadBalancer<Ep> two = Ep.balancer("ConsistentHash", KEY, endpoints(3, 1, 1));
        for (int i = 0; i < 1000; i++) {
            assertThat(two.pick(source(address(i)))).isEqualTo(one.pick(source(address(i))));
        }
    }

    @Test
    void weighted311SpreadsKeysAbout602020() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", KEY, endpoints(3, 1, 1));
        final Map<String, Double> shares = shares(lb, 10_000, true);
        assertThat(shares.get("192.168.1.1:8080")).isCloseTo(60.0, offset(5.0));
        assertThat(shares.get("192.168.1.2:8080")).isCloseTo(20.0, offset(5.0));
        assertThat(shares.get("192.168.1.3:8080")).isCloseTo(20.0, offset(5.0));
    }

    @Test
    void equalWeightsSpreadEvenly() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", KEY, endpoints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
        shares(lb, 20_000, true).values().forEach(share -> assertThat(share).isCloseTo(10.0, offset(3.0)));
    }

    @Test
    void removingAnEndpointMovesOnlyItsKeys() {
        final List<Ep> before = endpoints(1, 1, 1, 1, 1);
        final List<Ep> after = new ArrayList<>(before);
        final Ep removed = after.remove(2);
        final LoadBalancer<Ep> old = Ep.balancer("ConsistentHash", KEY, before);
        final LoadBalancer<Ep> now = Ep.balancer("ConsistentHash", KEY, after);
        int others = 0;
        int kept = 0;
        int orphans = 0;
        for (int i = 0; i < 10_000; i++) {
            final JsonNode metadata = source(address(i));
            final Ep was = old.pick(metadata);
            final Ep is = now.pick(metadata);
            assertThat(is).isNotEqualTo(removed);
            if (was.equals(removed)) {
                orphans++;
            } else {
                others++;
                kept += was.equals(is) ? 1 : 0;
            }
        }
        assertThat(100.0 * kept / others).isGreaterThanOrEqualTo(95.0);
        assertThat(orphans).isBetween(1_000, 3_000);
    }

    @Test
    void addingAnEndpointMovesAboutOneNthOfKeys() {
        final List<Ep> before = endpoints(1, 1, 1, 1);
        final List<Ep> after = endpoints(1, 1, 1, 1, 1);
        final LoadBalancer<Ep> old = Ep.balancer("ConsistentHash", KEY, before);
        final LoadBalancer<Ep> now = Ep.balancer("ConsistentHash", KEY, after);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            final JsonNode metadata = source(address(i));
            final Ep is = now.pick(metadata);
            if (!old.pick(metadata).equals(is)) {
                moved++;
                assertThat(is).isEqualTo(after.get(4));
            }
        }
        assertThat(moved / 100.0).isCloseTo(20.0, offset(5.0));
    }

    @Test
    void raisingAWeightOnlyPullsKeysToThatEndpoint() {
        final LoadBalancer<Ep> old = Ep.balancer("ConsistentHash", KEY, endpoints(1, 1, 1));
        final LoadBalancer<Ep> now = Ep.balancer("ConsistentHash", KEY, endpoints(1, 2, 1));
        for (int i = 0; i < 5_000; i++) {
            final Ep was = old.pick(source(address(i)));
            final Ep is = now.pick(source(address(i)));
            if (!was.name().equals(is.name())) {
                assertThat(is.name()).isEqualTo("192.168.1.2:8080");
            }
        }
    }

    @Test
    void zeroWeightEndpointGetsNoKeys() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", KEY, endpoints(1, 0, 1));
        assertThat(shares(lb, 2_000, true)).doesNotContainKey("192.168.1.2:8080").hasSize(2);
        assertThat(shares(lb, 2_000, false)).doesNotContainKey("192.168.1.2:8080").hasSize(2);
    }

    @Test
    void withoutAKeyPicksRandomlyByWeight() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", null, endpoints(3, 1, 1));
        final Map<String, Double> shares = shares(lb, 10_000, false);
        assertThat(shares.get("192.168.1.1:8080")).isCloseTo(60.0, offset(5.0));
        assertThat(shares.get("192.168.1.2:8080")).isCloseTo(20.0, offset(5.0));
        assertThat(shares.get("192.168.1.3:8080")).isCloseTo(20.0, offset(5.0));
    }

    @Test
    void missingValueAtKeyPicksRandomlyByWeight() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", "/HTTP/headers/x-session", endpoints(3, 1, 1));
        final Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(lb.pick(source(address(i))).name(), 1, Integer::sum);
        }
        assertThat(counts).hasSize(3);
        assertThat(counts.get("192.168.1.1:8080") / 100.0).isCloseTo(60.0, offset(5.0));
    }

    @Test
    void hashRingIsAnAlias() {
        final LoadBalancer<Ep> hash = Ep.balancer("ConsistentHash", KEY, endpoints(3, 1, 1));
        final LoadBalancer<Ep> ring = Ep.balancer("HashRing", "IP/src_addr", endpoints(3, 1, 1));
        for (int i = 0; i < 1000; i++) {
            assertThat(ring.pick(source(address(i)))).isEqualTo(hash.pick(source(address(i))));
        }
    }

    @Test
    void numbersHashAsTheirText() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", "/TCP/src_port", endpoints(1, 1, 1, 1));
        for (int port = 1000; port < 1100; port++) {
            final JsonNode number = MAPPER.readTree("{\"TCP\":{\"src_port\":" + port + "}}");
            final JsonNode text = MAPPER.readTree("{\"TCP\":{\"src_port\":\"" + port + "\"}}");
            assertThat(lb.pick(number)).isEqualTo(lb.pick(text));
        }
    }

    @Test
    void numericSegmentsIndexArrays() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", "/labels/1", endpoints(1, 1, 1, 1));
        final LoadBalancer<Ep> flat = Ep.balancer("ConsistentHash", "/label", endpoints(1, 1, 1, 1));
        for (int i = 0; i < 200; i++) {
            final JsonNode nested = MAPPER.readTree("{\"labels\":[\"x\",\"user-" + i + "\"]}");
            final JsonNode plain = MAPPER.readTree("{\"label\":\"user-" + i + "\"}");
            assertThat(lb.pick(nested)).isEqualTo(flat.pick(plain));
        }
    }

    @Test
    void hugeWeightsKeepTheRingBounded() {
        final long[] counts = ConsistentHashBalancer.nodeCounts(new int[] {Integer.MAX_VALUE, 1, 0});
        assertThat(counts[0] + counts[1]).isLessThanOrEqualTo(ConsistentHashBalancer.MAX_RING_POINTS);
        assertThat(counts[1]).isEqualTo(1);
        assertThat(counts[2]).isZero();
        final ConsistentHashBalancer<Ep> lb = (ConsistentHashBalancer<Ep>) Ep.balancer("ConsistentHash", KEY,
                endpoints(100_000, 1));
        assertThat(lb.ringSize()).isLessThanOrEqualTo(ConsistentHashBalancer.MAX_RING_POINTS);
        assertThat(shares(lb, 1_000, true).get("192.168.1.1:8080")).isGreaterThan(95.0);
    }

    @Test
    void keyGoesToTheFirstVirtualNodeAtOrAfterItsHash() {
        final List<Ep> endpoints = endpoints(2, 1, 1);
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", KEY, endpoints);
        final long mask = 3; // Owner index bits for 3 endpoints.
        final List<long[]> nodes = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            for (int v = 0; v < 160 * endpoints.get(i).weight(); v++) {
                final long point = Xxh64.hash(endpoints.get(i).name(), v) & ~mask | i;
                nodes.add(new long[] {point, i});
            }
        }
        for (int k = 0; k < 500; k++) {
            final long h = Xxh64.hash(address(k), 0);
            long[] best = null;
            long[] lowest = null;
            for (final long[] node : nodes) {
                if (node[0] >= h && (best == null || node[0] < best[0])) {
                    best = node;
                }
                if (lowest == null || node[0] < lowest[0]) {
                    lowest = node;
                }
            }
            final long[] expected = best != null ? best : lowest;
            assertThat(lb.pick(source(address(k)))).as(address(k)).isSameAs(endpoints.get((int) expected[1]));
        }
    }

    /** Pins the ring layout: a change here remaps live sessions when proxies of two versions share a cluster. */
    @Test
    void ringLayoutIsStableAcrossVersions() {
        final LoadBalancer<Ep> lb = Ep.balancer("ConsistentHash", KEY, endpoints(1, 1, 1, 1, 1));
        final StringBuilder picked = new StringBuilder();
        for (int k = 0; k < 20; k++) {
            picked.append(lb.pick(source(address(k))).name().charAt(10));
        }
        assertThat(picked).hasToString(GOLDEN);
    }

    @Test
    void typicalWeightsUseFullVirtualNodeCounts() {
        assertThat(ConsistentHashBalancer.nodeCounts(new int[] {3, 1, 1})).containsExactly(480, 160, 160);
    }
}
