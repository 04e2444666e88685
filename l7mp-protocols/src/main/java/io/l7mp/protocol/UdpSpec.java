package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: UDP}. As a listener: binds {@code address} (all interfaces when absent) and {@code port}; with
 * both {@code connect.address} and {@code connect.port} it runs in singleton mode (one connected session), else in
 * server mode (one session per remote address and port, ended after {@code options.idle_timeout} seconds without
 * traffic); a partial {@code connect} only accepts peers that match it. As a cluster: sends to each endpoint at
 * {@code port} from {@code bind}.
 *
 * @param protocol "UDP"
 * @param port     the listening port, or the endpoints' port for a cluster
 * @param address  the listener's bind address
 * @param connect  listener: the peer to connect to (singleton) or to accept (filter)
 * @param bind     cluster: the local address and port to send from
 * @param options  listener options
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UdpSpec(@JsonProperty("protocol") String protocol,
                      @JsonProperty("port") @Nullable Integer port,
                      @JsonProperty("address") @Nullable String address,
                      @JsonProperty("connect") @Nullable HostPort connect,
                      @JsonProperty("bind") @Nullable HostPort bind,
                      @JsonProperty("options") @Nullable Options options) implements ProtocolSpec {
    /** Seconds a server-mode session may stay silent before it ends. */
    public static final int DEFAULT_IDLE_TIMEOUT = 120;

    public UdpSpec {
        if (protocol == null) {
            protocol = "UDP";
        }
        Ports.check("port", port);
    }

    /** Returns a spec on this port, all interfaces. */
    public static UdpSpec port(int port) {
        return new UdpSpec("UDP", Ports.check("port", port), null, null, null, null);
    }

    /** Returns a spec bound to this address and port. */
    public static UdpSpec bind(String address, int port) {
        return new UdpSpec("UDP", Ports.check("port", port), address, null, null, null);
    }

    /** Returns a copy that connects to (singleton) or accepts only (when one is null) this peer. */
    public UdpSpec withConnect(@Nullable String addr, @Nullable Integer p) {
        return new UdpSpec(protocol, port, address, new HostPort(addr, p), bind, options);
    }

    /** Returns a copy with this idle timeout, in seconds. */
    public UdpSpec withIdleTimeout(int seconds) {
        return new UdpSpec(protocol, port, address, connect, bind,
                new Options(options == null ? null : options.mode(), seconds));
    }

    /** Returns true when the listener runs in singleton mode. */
    public boolean singleton() {
        if (options != null && options.mode() != null) {
            return "singleton".equals(options.mode());
        }
        return connect != null && connect.address() != null && connect.port() != null;
    }

    /** Returns the idle timeout in seconds. */
    public int idleTimeout() {
        return options == null || options.idleTimeout() == null ? DEFAULT_IDLE_TIMEOUT : options.idleTimeout();
    }

    /**
     * Listener options.
     *
     * @param mode        "server" or "singleton" (default: singleton when connect has both address and port)
     * @param idleTimeout seconds without traffic before a server-mode session ends
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Options(@JsonProperty("mode") @Nullable String mode,
                          @JsonProperty("idle_timeout") @Nullable Integer idleTimeout) {
        public Options {
            if (mode != null && !mode.equals("server") && !mode.equals("singleton")) {
                throw new IllegalArgumentException("mode: \"" + mode + "\" (expected: server or singleton)");
            }
            if (idleTimeout != null && idleTimeout <= 0) {
                throw new IllegalArgumentException("idle_timeout: " + idleTimeout + " (expected: > 0 seconds)");
            }
        }
    }
}
