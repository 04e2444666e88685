package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: UnixDomainSocket}, a Unix stream socket. As a listener: listens on the socket file
 * {@code filename} (relative to the working directory), one session per connection; the file is removed when the
 * listener closes, and a stale socket file nobody listens on is replaced. As a cluster: connects to each endpoint's
 * {@code address}, a socket path.
 *
 * @param protocol "UnixDomainSocket"
 * @param filename listener: the socket path
 * @param framing  {@code length-prefixed} to keep message boundaries between two l7mp proxies
 * @param tls      TLS on the connections (see {@link TlsSpec}); a cluster verifies the server's chain against
 *                 {@code ca} but no host name, as a socket path has none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UnixSpec(@JsonProperty("protocol") String protocol,
                       @JsonProperty("filename") @Nullable String filename,
                       @JsonProperty("framing") @Nullable Framing framing,
                       @JsonProperty("tls") @Nullable TlsSpec tls) implements ProtocolSpec {
    public UnixSpec {
        if (protocol == null) {
            protocol = "UnixDomainSocket";
        }
        if (filename != null && filename.isEmpty()) {
            throw new IllegalArgumentException("filename: \"\" (expected: a socket path)");
        }
    }

    /** Returns a spec without TLS. */
    public UnixSpec(String protocol, @Nullable String filename, @Nullable Framing framing) {
        this(protocol, filename, framing, null);
    }

    /** Returns a listener spec on this socket path. */
    public static UnixSpec listen(String filename) {
        return new UnixSpec("UnixDomainSocket", filename, null);
    }

    /** Returns a cluster spec; the endpoints' addresses are the socket paths. */
    public static UnixSpec cluster() {
        return new UnixSpec("UnixDomainSocket", null, null);
    }

    /** Returns a copy with this framing ({@link Framing#LENGTH_PREFIXED} keeps message boundaries). */
    public UnixSpec withFraming(@Nullable Framing f) {
        return new UnixSpec(protocol, filename, f, tls);
    }

    /** Returns a copy with this TLS block (null: a plain Unix socket). */
    public UnixSpec withTls(@Nullable TlsSpec t) {
        return new UnixSpec(protocol, filename, framing, t);
    }
}
