package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: SCTP}, a message-oriented stream: each SCTP message is one message of the session. As a listener:
 * binds {@code address} (all interfaces when absent) and {@code port}, one session per association, emitted when
 * the first message arrives (its stream id and payload protocol id go into the metadata). As a cluster: connects to
 * each endpoint at {@code port}, from {@code bind} if given. Outgoing messages use {@code stream_id} and {@code ppid}
 * (default 0); a listener answers on the stream and with the ppid of the last message it received.
 *
 * @param protocol "SCTP"
 * @param port     the listening port, or the endpoints' port for a cluster
 * @param address  the listener's bind address
 * @param bind     cluster: the local address and port to connect from
 * @param streamId cluster: the SCTP stream of outgoing messages
 * @param ppid     cluster: the payload protocol identifier of outgoing messages
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SctpSpec(@JsonProperty("protocol") String protocol,
                       @JsonProperty("port") @Nullable Integer port,
                       @JsonProperty("address") @Nullable String address,
                       @JsonProperty("bind") @Nullable HostPort bind,
                       @JsonProperty("stream_id") @Nullable Integer streamId,
                       @JsonProperty("ppid") @Nullable Integer ppid) implements ProtocolSpec {
    public SctpSpec {
        if (protocol == null) {
            protocol = "SCTP";
        }
        Ports.check("port", port);
        if (streamId != null && (streamId < 0 || streamId > 65535)) {
            throw new IllegalArgumentException("stream_id: " + streamId + " (expected: 0-65535)");
        }
    }

    /** Returns a spec on this port, all interfaces. */
    public static SctpSpec port(int port) {
        return new SctpSpec("SCTP", Ports.check("port", port), null, null, null, null);
    }

    /** Returns a spec bound to this address and port. */
    public static SctpSpec bind(String address, int port) {
        return new SctpSpec("SCTP", Ports.check("port", port), address, null, null, null);
    }
}
