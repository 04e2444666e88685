package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: WebSocket} (alias {@code WS}): a datagram-stream where one WebSocket message is one message. As a
 * listener: binds {@code address} (all interfaces when absent) and {@code port}, accepts upgrades on {@code path} (any
 * path when absent), one session per connection. As a cluster: connects to {@code ws://<endpoint>:<port><path>}, the
 * path taken from the session's {@code HTTP.url.path} when the source was HTTP or WebSocket, else {@code /}. With
 * {@code tls} the scheme is {@code wss}.
 *
 * @param protocol "WebSocket" or "WS"
 * @param port     the listening port, or the endpoints' port for a cluster
 * @param address  the listener's bind address
 * @param path     listener: the only request path accepted (exact match, query ignored)
 * @param bind     cluster: the local address (and port) to connect from
 * @param tls      TLS (wss) on the connections
 * @param frame    the frame type of the messages sent: "binary" (default) or "text"
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebSocketSpec(@JsonProperty("protocol") String protocol,
                            @JsonProperty("port") @Nullable Integer port,
                            @JsonProperty("address") @Nullable String address,
                            @JsonProperty("path") @Nullable String path,
                            @JsonProperty("bind") @Nullable HostPort bind,
                            @JsonProperty("tls") @Nullable TlsSpec tls,
                            @JsonProperty("frame") @Nullable String frame) implements ProtocolSpec {
    public WebSocketSpec {
        if (protocol == null) {
            protocol = "WebSocket";
        }
        Ports.check("port", port);
        if (path != null && !path.startsWith("/")) {
            throw new IllegalArgumentException("path: \"" + path + "\" (expected: an absolute path such as /ws)");
        }
        if (frame != null && !frame.equals("binary") && !frame.equals("text")) {
            throw new IllegalArgumentException("frame: \"" + frame + "\" (expected: binary or text)");
        }
    }

    /** Returns a spec on this port, all interfaces. */
    public static WebSocketSpec port(int port) {
        return new WebSocketSpec("WebSocket", Ports.check("port", port), null, null, null, null, null);
    }

    /** Returns a spec bound to this address and port. */
    public static WebSocketSpec bind(String address, int port) {
        return new WebSocketSpec("WebSocket", Ports.check("port", port), address, null, null, null, null);
    }

    /** Returns a copy that accepts only this request path. */
    public WebSocketSpec withPath(@Nullable String p) {
        return new WebSocketSpec(protocol, port, address, p, bind, tls, frame);
    }

    /** Returns a copy with this TLS block (null: plain ws). */
    public WebSocketSpec withTls(@Nullable TlsSpec t) {
        return new WebSocketSpec(protocol, port, address, path, bind, t, frame);
    }

    /** Returns a copy that sends text frames ({@code true}) or binary frames. */
    public WebSocketSpec withTextFrames(boolean text) {
        return new WebSocketSpec(protocol, port, address, path, bind, tls, text ? "text" : "binary");
    }

    /** Returns a copy that connects from this local address (cluster). */
    public WebSocketSpec withBind(@Nullable String localAddress) {
        return new WebSocketSpec(protocol, port, address, path, localAddress == null ? null
                : new HostPort(localAddress, null), tls, frame);
    }

    /** Returns true when messages go out as text frames. */
    public boolean textFrames() {
        return "text".equals(frame);
    }
}
