package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The {@code options} of a listener.
 *
 * @param track how many seconds an ended session stays visible in the session list (default 0)
 */
public record ListenerOptions(@JsonProperty("track") long track) {
    /** No tracking. */
    public static final ListenerOptions DEFAULT = new ListenerOptions(0);

    public ListenerOptions {
        if (track < 0) {
            throw new IllegalArgumentException("track: " + track + " (expected: >= 0 seconds)");
        }
    }
}
