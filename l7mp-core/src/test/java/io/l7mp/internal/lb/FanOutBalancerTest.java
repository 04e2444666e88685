package io.l7mp.internal.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.List;

import org.junit.jupiter.api.Test;

class FanOutBalancerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Ep A = new Ep("a", 1);
    private static final Ep B = new Ep("b", 2);
    private static final Ep C = new Ep("c", 1);
    private static final Ep DRAINED = new Ep("d", 0);
    private static final List<Ep> ALL = List.of(A, B, C, DRAINED);

    private static JsonNode json(final String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @Test
    void multicastSendsToTheListedIdsInClusterOrder() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("Multicast", "/UDP/targets", ALL);
        final JsonNode metadata = json("{\"UDP\":{\"targets\":[\"c\",\"a\",\"c\",\"unknown\",7,{\"x\":1}]}}");
        assertThat(lb.pickAll(metadata)).containsExactly(A, C);
        assertThat(lb.pick(metadata)).isSameAs(A);
        assertThat(lb.fanOut()).isTrue();
    }

    @Test
    void multicastAcceptsASingleId() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("Multicast", "targets", ALL);
        assertThat(lb.pickAll(json("{\"targets\":\"b\"}"))).containsExactly(B);
        assertThat(lb.pick(json("{\"targets\":\"b\"}"))).isSameAs(B);
    }

    @Test
    void multicastWithNothingListedSendsNowhere() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("Multicast", "/targets", ALL);
        for (final String metadata : List.of("{}", "{\"targets\":null}", "{\"targets\":[]}", "{\"targets\":\"z\"}",
                "{\"targets\":{\"a\":1}}", "{\"other\":[\"a\"]}")) {
            assertThat(lb.pickAll(json(metadata))).as(metadata).isEmpty();
            assertThat(lb.pick(json(metadata))).as(metadata).isNull();
        }
        assertThat(lb.pickAll(null)).isEmpty();
        assertThat(Ep.balancer("Multicast", null, ALL).pickAll(json("{\"targets\":[\"a\"]}"))).isEmpty();
    }

    @Test
    void multicastSkipsDrainedEndpoints() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("Multicast", "/targets", ALL);
        assertThat(lb.pickAll(json("{\"targets\":[\"d\",\"b\"]}"))).containsExactly(B);
        assertThat(lb.pick(json("{\"targets\":[\"d\"]}"))).isNull();
    }

    @Test
    void multicastSendsToEveryEndpointSharingAnId() throws Exception {
        final Ep twin = new Ep("a", 1);
        final LoadBalancer<Ep> lb = Ep.balancer("Multicast", "/targets", List.of(A, B, twin));
        assertThat(lb.pickAll(json("{\"targets\":\"a\"}"))).containsExactly(A, twin);
        assertThat(lb.pickAll(json("{\"targets\":[\"a\",\"b\"]}"))).containsExactly(A, B, twin);
    }

    @Test
    void broadcastSendsToEveryWeightedEndpoint() throws Exception {
        final LoadBalancer<Ep> lb = Ep.balancer("Broadcast", "/ignored", ALL);
        assertThat(lb.pickAll(json("{}"))).containsExactly(A, B, C);
        assertThat(lb.pickAll(null)).containsExactly(A, B, C);
        assertThat(lb.pick(null)).isSameAs(A);
        assertThat(lb.fanOut()).isTrue();
    }

    @Test
    void fanOutListsAreImmutable() throws Exception {
        final List<Ep> broadcast = Ep.balancer("Broadcast", null, ALL).pickAll(null);
        final List<Ep> multicast = Ep.balancer("Multicast", "/t", ALL).pickAll(json("{\"t\":[\"a\",\"b\"]}"));
        for (final List<Ep> list : List.of(broadcast, multicast)) {
            assertThatThrownBy(() -> list.add(A))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
