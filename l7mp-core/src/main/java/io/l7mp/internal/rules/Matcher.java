package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;

/** Temporary. */
@FunctionalInterface
public interface Matcher {
    Matcher ALL = m -> true;

    boolean test(JsonNode metadata);
}
