package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: HTTP}, a listener: binds {@code address} (all interfaces when absent) and {@code port} and emits
 * one session per HTTP request (HTTP/1.1 with keep-alive, and cleartext HTTP/2; with {@code tls}, HTTPS: HTTP/1.1 and
 * HTTP/2 chosen by ALPN). The request body streams to the route's destination; what the destination sends back is the
 * response body.
 *
 * @param protocol "HTTP"
 * @param port     the listening port (0: the OS picks)
 * @param address  the bind address
 * @param path     accepted and reported, unused (as in l7mp)
 * @param tls      HTTPS: the server certificate and key, and optionally client certificates to require (see
 *                 {@link TlsSpec}); plain HTTP when absent
 * @param headTimeoutMillis ours: how long an HTTP/1 request head may take from its first byte, in milliseconds
 *                 (default 60000, as Node's {@code headersTimeout}); a client still sending its head then gets 408
 *                 and its connection closes
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HttpSpec(@JsonProperty("protocol") String protocol,
                       @JsonProperty("port") @Nullable Integer port,
                       @JsonProperty("address") @Nullable String address,
                       @JsonProperty("path") @Nullable String path,
                       @JsonProperty("tls") @Nullable TlsSpec tls,
                       @JsonProperty("head_timeout") @Nullable Long headTimeoutMillis) implements ProtocolSpec {
    /** The head timeout when none is given. */
    public static final long DEFAULT_HEAD_TIMEOUT_MILLIS = 60_000;

    public HttpSpec {
        if (protocol == null) {
            protocol = "HTTP";
        }
        Ports.check("port", port);
        if (address != null && address.isBlank()) {
            throw new IllegalArgumentException("address: \"" + address + "\" (expected: an IP address or host name)");
        }
        if (headTimeoutMillis != null && headTimeoutMillis <= 0) {
            throw new IllegalArgumentException("head_timeout: " + headTimeoutMillis + " (expected: > 0 milliseconds)");
        }
    }

    /** A spec without a head timeout of its own. */
    public HttpSpec(String protocol, @Nullable Integer port, @Nullable String address, @Nullable String path,
                    @Nullable TlsSpec tls) {
        this(protocol, port, address, path, tls, null);
    }

    /** Returns the head timeout, the default when none was given. */
    public long headTimeoutOrDefault() {
        return headTimeoutMillis != null ? headTimeoutMillis : DEFAULT_HEAD_TIMEOUT_MILLIS;
    }

    /** Returns a copy with this head timeout. */
    public HttpSpec withHeadTimeout(java.time.Duration timeout) {
        return new HttpSpec(protocol, port, address, path, tls, timeout.toMillis());
    }

    /** Returns a spec on this port, all interfaces. */
    public static HttpSpec port(int port) {
        return new HttpSpec("HTTP", Ports.check("port", port), null, null, null);
    }

    /** Returns a spec bound to this address and port. */
    public static HttpSpec bind(String address, int port) {
        return new HttpSpec("HTTP", Ports.check("port", port), address, null, null);
    }

    /** Returns a copy with this TLS block (null: plain HTTP). */
    public HttpSpec withTls(@Nullable TlsSpec t) {
        return new HttpSpec(protocol, port, address, path, t, headTimeoutMillis);
    }
}
