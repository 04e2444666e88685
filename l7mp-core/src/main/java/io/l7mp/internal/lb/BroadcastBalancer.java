package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Fans every session out to all endpoints with a positive weight. */
final class BroadcastBalancer<E> implements LoadBalancer<E> {

    private final List<E> targets;

    BroadcastBalancer(final List<E> endpoints, final int[] weights) {
        final List<E> selected = new ArrayList<>();
        for (final int i : Weights.positive(weights)) {
            selected.add(endpoints.get(i));
        }
        this.targets = List.copyOf(selected);
    }

    @Override
    public E pick(final JsonNode metadata) {
        return targets.isEmpty() ? null : targets.get(0);
    }

    @Override
    public List<E> pickAll(final JsonNode metadata) {
        return targets;
    }

    @Override
    public boolean fanOut() {
        return true;
    }

    @Override
    public String toString() {
        return "Broadcast" + targets;
    }
}
