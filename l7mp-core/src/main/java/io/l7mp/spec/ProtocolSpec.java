package io.l7mp.spec;

/**
 * The {@code spec} of a listener or cluster: a protocol name plus that protocol's parameters. Each protocol provider
 * binds its own record type (for example {@code UdpSpec}); {@link #of(String)} serves protocols without parameters.
 */
public interface ProtocolSpec {
    /** Returns the protocol name as written ({@code "UDP"}, {@code "WS"}, ...). */
    String protocol();

    /** Returns a spec with only a protocol name, e.g. {@code ProtocolSpec.of("Echo")}. */
    static ProtocolSpec of(String protocol) {
        return new BasicSpec(protocol);
    }
}
