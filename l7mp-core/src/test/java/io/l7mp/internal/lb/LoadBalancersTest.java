package io.l7mp.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class LoadBalancersTest {

    static final List<String> POLICIES = LoadBalancers.POLICIES;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Ep A = new Ep("a", 1);
    private static final Ep B = new Ep("b", 1);
    private static final Ep C = new Ep("c", 1);

    private static JsonNode json(final String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @Test
    void policiesAreTheL7mpNames() {
        assertThat(LoadBalancers.POLICIES)
                .containsExactly("Trivial", "RoundRobin", "ConsistentHash", "HashRing", "Multicast", "Broadcast");
    }

    @Test
    void trivialAlwaysPicksTheFirstEndpoint() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("Trivial", "/IP/src_addr", List.of(A, B, C));
        final JsonNode metadata = json("{\"IP\":{\"src_addr\":\"10.0.0.1\"}}");
        for (int i = 0; i < 100; i++) {
            assertThat(lb.pick(metadata)).isSameAs(A);
            assertThat(lb.pick(null)).isSameAs(A);
        }
        assertThat(lb.pickAll(metadata)).containsExactly(A);
        assertThat(lb.fanOut()).isFalse();
    }

    @Test
    void trivialSkipsADrainedFirstEndpoint() {
        final LoadBalancer<Ep> lb = Ep.balancer("Trivial", null, List.of(new Ep("a", 0), B, C));
        assertThat(lb.pick(null)).isSameAs(B);
    }

    @ParameterizedTest
    @FieldSource("POLICIES")
    void emptyEndpointsPickNothing(final String policy) throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer(policy, "/ids", List.of());
        final JsonNode metadata = json("{\"ids\":[\"a\",\"b\"]}");
        assertThat(lb.pick(metadata)).isNull();
        assertThat(lb.pick(null)).isNull();
        assertThat(lb.pickAll(metadata)).isEmpty();
        assertThat(lb.pickAll(null)).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("POLICIES")
    void allZeroWeightsCountAsEqual(final String policy) throws Exception {
        final List<Ep> endpoints = List.of(new Ep("a", 0), new Ep("b", 0));
        final LoadBalancer<Ep> lb = Ep.balancer(policy, "/ids", endpoints);
        assertThat(lb.pick(json("{\"ids\":[\"a\"]}"))).isNotNull();
    }

    @ParameterizedTest
    @FieldSource("POLICIES")
    void snapshotIgnoresLaterChangesToTheList(final String policy) throws Exception {
        final List<Ep> endpoints = new ArrayList<>(List.of(A));
        final LoadBalancer<Ep> lb = Ep.balancer(policy, "/ids", endpoints);
        endpoints.clear();
        assertThat(lb.pick(json("{\"ids\":\"a\"}"))).isSameAs(A);
    }

    @ParameterizedTest
    @FieldSource("POLICIES")
    void onlyFanOutPoliciesSayFanOut(final String policy) {
        final boolean expected = policy.equals("Multicast") || policy.equals("Broadcast");
        assertThat(Ep.balancer(policy, null, List.of(A)).fanOut()).isEqualTo(expected);
    }

    @Test
    void unknownPolicyNamesTheExpectedOnes() {
        assertThatThrownBy(() -> Ep.balancer("roundrobin", null, List.of(A)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("policy: \"roundrobin\" (expected: one of "
                        + "[Trivial, RoundRobin, ConsistentHash, HashRing, Multicast, Broadcast])");
        assertThatThrownBy(() -> Ep.balancer(null, null, List.of(A)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("policy: null (expected: one of [Trivial,");
    }

    @Test
    void negativeWeightIsRejected() {
        assertThatThrownBy(() -> Ep.balancer("RoundRobin", null, List.of(A, new Ep("b", -1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("weight: -1 (expected: >= 0) of endpoint 1");
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThatThrownBy(() -> Ep.balancer("Trivial", null, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> LoadBalancers.create("ConsistentHash", null, List.of(A), Ep::weight, e -> null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("id of endpoint 0");
    }
}
