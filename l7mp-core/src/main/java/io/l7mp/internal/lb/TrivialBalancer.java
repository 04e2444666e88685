package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** l7mp's default policy: every session goes to the first endpoint (the first with a positive weight). */
final class TrivialBalancer<E> extends SingleBalancer<E> {

    private final E first;

    TrivialBalancer(final List<E> endpoints, final int[] weights) {
        final int[] positive = Weights.positive(weights);
        this.first = positive.length == 0 ? null : endpoints.get(positive[0]);
    }

    @Override
    public E pick(final JsonNode metadata) {
        return first;
    }

    @Override
    public String toString() {
        return "Trivial[" + first + "]";
    }
}
