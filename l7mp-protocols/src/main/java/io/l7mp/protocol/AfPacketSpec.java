package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: AF_PACKET}, raw frames on a network interface. Accepted in configs so that they parse, but the
 * protocol is unavailable: plain Java cannot open packet sockets, and l7mp for the JVM ships no native code.
 *
 * @param protocol  "AF_PACKET"
 * @param iface     the network interface, e.g. {@code eth0}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AfPacketSpec(@JsonProperty("protocol") String protocol,
                           @JsonProperty("interface") @Nullable String iface) implements ProtocolSpec {
    public AfPacketSpec {
        if (protocol == null) {
            protocol = "AF_PACKET";
        }
    }
}
