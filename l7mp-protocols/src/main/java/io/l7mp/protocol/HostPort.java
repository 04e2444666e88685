package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * An address and/or port, as in l7mp's {@code connect: {address, port}} and {@code bind: {address, port}}.
 *
 * @param address an IP address or host name, or null
 * @param port    a port, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostPort(@JsonProperty("address") @Nullable String address,
                       @JsonProperty("port") @Nullable Integer port) {
    public HostPort {
        Ports.check("port", port);
    }
}
