package io.l7mp;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a session's event log, as l7mp names them: {@code INIT}, {@code LOOKUP SUCCESS}, {@code CONNECT},
 * {@code DISCONNECT}, {@code RETRY}, {@code ERROR}, {@code END}, {@code DESTROY}.
 *
 * @param session   the session's name
 * @param event     the event name
 * @param timestamp when it happened
 * @param message   a human-readable line
 * @param content   extra detail (an error message, a rule name), or null
 */
public record SessionEvent(String session, String event, Instant timestamp, String message,
                           @Nullable String content) {
}
