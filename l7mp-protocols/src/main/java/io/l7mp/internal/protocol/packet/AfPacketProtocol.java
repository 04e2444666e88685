package io.l7mp.internal.protocol.packet;

import io.l7mp.protocol.AfPacketSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.StreamKind;

/**
 * {@code AF_PACKET}: raw L2 frames on an interface, which l7mp left unimplemented. Always unavailable: packet sockets
 * ({@code socket(AF_PACKET, SOCK_RAW, ...)}) cannot be opened from plain Java, and a native piece (JNI, plus
 * {@code CAP_NET_RAW}) is not worth its weight in a library that otherwise runs anywhere Netty does. The provider
 * exists so that configs naming the protocol fail with that reason instead of "unknown protocol".
 */
public final class AfPacketProtocol implements ProtocolProvider {
    static final String REASON = "AF_PACKET: plain Java cannot open packet sockets (socket(AF_PACKET, SOCK_RAW) needs "
            + "native code and CAP_NET_RAW), and l7mp for the JVM ships no native piece for it";

    @Override
    public String name() {
        return "AF_PACKET";
    }

    @Override
    public boolean isAvailable() {
        return false;
    }

    @Override
    public String unavailableReason() {
        return REASON;
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return AfPacketSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.DATAGRAM;
    }

    @Override
    public boolean hasListener() {
        return true;
    }

    @Override
    public boolean connectProvesReachability() {
        return false;   // a datagram socket connects whether or not anybody listens
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean retriable() {
        return false;
    }

    @Override
    public boolean touchesLocalSystem() {
        return true;
    }
}
