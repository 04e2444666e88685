package io.l7mp.internal.rules;

import com.fasterxml.jackson.databind.JsonNode;

/** A compiled session-metadata predicate; implementations are immutable and safe to share across threads. */
@FunctionalInterface
public interface Matcher {

    /** The match-all matcher that l7mp uses for a missing, {@code null} or string (e.g. {@code "*"}) match. */
    Matcher ALL = m -> true;

    /** Evaluates against {@code metadata}; a {@code null} argument is treated as missing metadata, never an error. */
    boolean test(JsonNode metadata);
}
