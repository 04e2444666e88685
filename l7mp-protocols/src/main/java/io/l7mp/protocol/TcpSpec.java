package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: TCP}. As a listener: binds {@code address} (all interfaces when absent) and {@code port}, one
 * session per connection. As a cluster: connects to each endpoint at {@code port}, from {@code bind} if given.
 *
 * @param protocol "TCP"
 * @param port     the listening port, or the endpoints' port for a cluster
 * @param address  the listener's bind address
 * @param bind     cluster: the local address and port to connect from
 * @param framing  {@code length-prefixed} to keep message boundaries between two l7mp proxies; absent: a plain
 *                 byte stream
 * @param tls      TLS on the connections (see {@link TlsSpec}); plain TCP when absent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TcpSpec(@JsonProperty("protocol") String protocol,
                      @JsonProperty("port") @Nullable Integer port,
                      @JsonProperty("address") @Nullable String address,
                      @JsonProperty("bind") @Nullable HostPort bind,
                      @JsonProperty("framing") @Nullable Framing framing,
                      @JsonProperty("tls") @Nullable TlsSpec tls) implements ProtocolSpec {
    public TcpSpec {
        if (protocol == null) {
            protocol = "TCP";
        }
        Ports.check("port", port);
    }

    /** Returns a spec without framing or TLS. */
    public TcpSpec(String protocol, @Nullable Integer port, @Nullable String address, @Nullable HostPort bind) {
        this(protocol, port, address, bind, null, null);
    }

    /** Returns a spec on this port, all interfaces. */
    public static TcpSpec port(int port) {
        return new TcpSpec("TCP", Ports.check("port", port), null, null);
    }

    /** Returns a spec bound to this address and port. */
    public static TcpSpec bind(String address, int port) {
        return new TcpSpec("TCP", Ports.check("port", port), address, null);
    }

    /** Returns a copy with this framing ({@link Framing#LENGTH_PREFIXED} keeps message boundaries). */
    public TcpSpec withFraming(@Nullable Framing f) {
        return new TcpSpec(protocol, port, address, bind, f, tls);
    }

    /** Returns a copy with this TLS block (null: plain TCP). */
    public TcpSpec withTls(@Nullable TlsSpec t) {
        return new TcpSpec(protocol, port, address, bind, framing, t);
    }
}
