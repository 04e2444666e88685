package io.l7mp.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spec.ProtocolSpec;

/** What the engine gives a {@link Listener}: its name, its spec, the event loops and a way to start sessions. */
public interface ListenerContext {
    /** Returns the listener's name. */
    String name();

    /** Returns the listener's spec, of the provider's {@link ProtocolProvider#specType()}. */
    ProtocolSpec spec();

    /** Returns the event loops and channel types. */
    Transport transport();

    /**
     * Starts a session for a new connection. Must be called on {@code source.eventLoop()}, which becomes the session's
     * loop. The engine routes the session, connects its other stages, then calls {@code source.bind}; when routing
     * fails it calls {@code source.close} with a {@link SessionError}.
     *
     * @param name     a protocol-specific session name, e.g. {@code UDP:127.0.0.1:5000-0.0.0.0:15000-1}; made
     *                 unique by the engine
     * @param metadata the session metadata as l7mp lays it out ({@code IP}, {@code UDP}, {@code TCP}, ...); the
     *                 engine owns it from now on
     * @param source   the accepted connection
     */
    void newSession(String name, ObjectNode metadata, Stage source);
}
