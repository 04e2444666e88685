package io.l7mp;

import io.l7mp.spec.ListenerSpec;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A running listener.
 *
 * @param spec         its spec, with {@code rules} naming its RuleList
 * @param localAddress the bound address (useful with port 0), or null
 * @param generated    true when it was defined inline
 * @param stats        its counters
 */
public record ListenerInfo(ListenerSpec spec, @Nullable SocketAddress localAddress, boolean generated, Stats stats) {
    /** Returns the listener's name. */
    public String name() {
        return spec.name();
    }

    /** Returns the bound port, or -1 when the listener has no IP address. */
    public int port() {
        return localAddress instanceof InetSocketAddress a ? a.getPort() : -1;
    }
}
