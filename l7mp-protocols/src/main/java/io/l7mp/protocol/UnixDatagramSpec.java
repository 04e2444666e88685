package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: UnixDomainDatagram} (alias {@code UNIX/dgram}), a Unix datagram socket; message boundaries are
 * kept. As a listener it binds {@code filename}: in server mode (the default) each peer socket path that sends to it
 * gets its own session, ended after {@code options.idle_timeout} seconds without traffic; a peer must bind its own
 * socket to a path to be answered. With {@code connect} (singleton mode) the socket is connected to that peer path
 * and the listener emits one session. As a cluster it opens, per session, a socket bound to a fresh path in the
 * temporary directory and connected to the endpoint's {@code address}. Needs the native epoll transport.
 *
 * @param protocol "UnixDomainDatagram" or "UNIX/dgram"
 * @param filename listener: the socket path to bind
 * @param connect  listener: the peer socket path for singleton mode
 * @param options  listener options: {@code mode} (server or singleton) and {@code idle_timeout} (seconds)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UnixDatagramSpec(@JsonProperty("protocol") String protocol,
                               @JsonProperty("filename") @Nullable String filename,
                               @JsonProperty("connect") @Nullable String connect,
                               @JsonProperty("options") UdpSpec.@Nullable Options options) implements ProtocolSpec {
    public UnixDatagramSpec {
        if (protocol == null) {
            protocol = "UnixDomainDatagram";
        }
        if (filename != null && filename.isEmpty()) {
            throw new IllegalArgumentException("filename: \"\" (expected: a socket path)");
        }
        if (connect != null && connect.isEmpty()) {
            throw new IllegalArgumentException("connect: \"\" (expected: the peer's socket path)");
        }
    }

    /** Returns a server-mode listener spec on this socket path. */
    public static UnixDatagramSpec listen(String filename) {
        return new UnixDatagramSpec("UnixDomainDatagram", filename, null, null);
    }

    /** Returns a cluster spec; the endpoints' addresses are the socket paths. */
    public static UnixDatagramSpec cluster() {
        return new UnixDatagramSpec("UnixDomainDatagram", null, null, null);
    }

    /** Returns a copy in singleton mode, connected to the peer socket at {@code peer}. */
    public UnixDatagramSpec withConnect(String peer) {
        return new UnixDatagramSpec(protocol, filename, peer, options);
    }

    /** Returns a copy with this idle timeout, in seconds. */
    public UnixDatagramSpec withIdleTimeout(int seconds) {
        return new UnixDatagramSpec(protocol, filename, connect,
                new UdpSpec.Options(options == null ? null : options.mode(), seconds));
    }

    /** Returns true when the listener runs in singleton mode. */
    public boolean singleton() {
        if (options != null && options.mode() != null) {
            return "singleton".equals(options.mode());
        }
        return connect != null;
    }

    /** Returns the idle timeout of server-mode sessions, in seconds. */
    public int idleTimeout() {
        return options == null || options.idleTimeout() == null ? UdpSpec.DEFAULT_IDLE_TIMEOUT : options.idleTimeout();
    }
}
