package io.l7mp.internal.lb;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** Base of the policies that send a session to exactly one endpoint. */
abstract class SingleBalancer<E> implements LoadBalancer<E> {

    @Override
    public final List<E> pickAll(final JsonNode metadata) {
        final E picked = pick(metadata);
        return picked == null ? List.of() : List.of(picked);
    }
}
