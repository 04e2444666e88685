package io.l7mp.examples;

import io.l7mp.spi.ProtocolProvider;
import java.util.ServiceLoader;

/** Which protocols this class path offers, so that example tests skip only when one is missing. */
public final class Protocols {
    private Protocols() {
    }

    /** Returns true when a provider of this protocol is on the class path and can run here. */
    public static boolean protocolAvailable(String name) {
        for (final ProtocolProvider p : ServiceLoader.load(ProtocolProvider.class)) {
            if ((p.name().equals(name) || p.aliases().contains(name)) && p.isAvailable()) {
                return true;
            }
        }
        return false;
    }
}
