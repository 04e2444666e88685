package io.l7mp;

/** The lifecycle of a session: INIT, then CONNECTED and DISCONNECTED (while a stage reconnects), FINALIZING, DESTROYED. */
public enum SessionStatus {
    /** Routing and connecting. */
    INIT,
    /** Every stage is connected; data flows. */
    CONNECTED,
    /** A stage disconnected and is being retried; the listener's side stays open. */
    DISCONNECTED,
    /** Ending: stages are being closed. */
    FINALIZING,
    /** Ended; kept visible only while the listener's {@code track} option says so. */
    DESTROYED
}
