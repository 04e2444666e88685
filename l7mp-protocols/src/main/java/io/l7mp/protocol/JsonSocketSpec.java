package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.l7mp.spec.ProtocolSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: JSONSocket}: JSONSocket v1 over a datagram {@code transport} (alias {@code transport_spec}), e.g.
 * {@code {protocol: UDP, port: 9000}}. A listener takes each peer's first message as its JSON request header, puts it
 * in the session metadata under {@code JSONSocket} and answers {@code JSONSocketStatus} 200 once the session is
 * connected (400 for a bad header, 505 for a version above 1). A cluster sends a request header built by
 * {@code header} from the session metadata and waits for a 2xx answer before the stage is used, so metadata travels
 * in-band from proxy to proxy.
 *
 * @param protocol  "JSONSocket"
 * @param transport the datagram protocol it runs over, with that protocol's parameters (port, address, ...)
 * @param header    cluster: how to build the request header from the session metadata, in order; null sends the
 *                  whole metadata, an empty list only the version
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JsonSocketSpec(@JsonProperty("protocol") String protocol,
                             @JsonProperty("transport") @JsonAlias("transport_spec") @Nullable ProtocolSpec transport,
                             @JsonProperty("header") @Nullable List<Header> header) implements ProtocolSpec {
    public JsonSocketSpec {
        if (protocol == null) {
            protocol = "JSONSocket";
        }
        if (transport == null) {
            throw new IllegalArgumentException("transport: missing (expected: a datagram transport spec such as "
                    + "{protocol: UDP, port: 9000})");
        }
        header = header == null ? null : List.copyOf(header);
    }

    /** Returns a spec over this transport, e.g. {@code JsonSocketSpec.over(UdpSpec.bind("127.0.0.1", 0))}. */
    public static JsonSocketSpec over(ProtocolSpec transport) {
        return new JsonSocketSpec("JSONSocket", transport, null);
    }

    /** Returns a copy with these header rules (cluster). */
    public JsonSocketSpec withHeader(List<Header> h) {
        return new JsonSocketSpec(protocol, transport, h);
    }

    /** Returns the header rules, empty when none. */
    public List<Header> headerOrEmpty() {
        return header == null ? List.of() : header;
    }

    /**
     * One rule of a cluster's request header: copy a metadata value ({@code path}) or set a constant ({@code set}).
     *
     * @param path copy the metadata at {@code path.from} into the header at {@code path.to}
     * @param set  set {@code set.key} (a path) in the header to {@code set.value}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Header(@JsonProperty("path") @Nullable PathRule path, @JsonProperty("set") @Nullable SetRule set) {
        public Header {
            if ((path == null) == (set == null)) {
                throw new IllegalArgumentException("header: " + (path == null ? "empty" : "both path and set")
                        + " (expected: one of {path: ...} or {set: {key, value}})");
            }
        }

        /** Returns a rule copying the metadata at {@code from} to {@code to} in the header. */
        public static Header copy(String from, String to) {
            return new Header(new PathRule(from, to), null);
        }

        /** Returns a rule setting {@code key} in the header to {@code value}. */
        public static Header set(String key, JsonNode value) {
            return new Header(null, new SetRule(key, value));
        }
    }

    /**
     * Where a header value comes from and goes; written as an object or, for {@code to: "/"}, just the source path.
     *
     * @param from a metadata path such as {@code /labels} or {@code labels/user}
     * @param to   where in the header the value goes; {@code /} (default) makes the value the header itself
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PathRule(@JsonProperty("from") String from, @JsonProperty("to") @Nullable String to) {
        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public PathRule {
            if (from == null || from.isEmpty()) {
                throw new IllegalArgumentException("from: " + (from == null ? "missing" : "\"\"")
                        + " (expected: a metadata path such as /labels)");
            }
        }

        /** Reads the short form {@code path: "/labels"}. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static PathRule of(String from) {
            return new PathRule(from, null);
        }

        /** Returns {@code to}, or {@code /}. */
        public String toOrRoot() {
            return to == null || to.isEmpty() ? "/" : to;
        }
    }

    /**
     * A constant header entry.
     *
     * @param key   the header path to set, e.g. {@code service} or {@code /labels/app}
     * @param value any JSON value
     */
    public record SetRule(@JsonProperty("key") String key, @JsonProperty("value") JsonNode value) {
        public SetRule {
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("key: " + (key == null ? "missing" : "\"\"")
                        + " (expected: a header path)");
            }
            if (value == null) {
                throw new IllegalArgumentException("value: missing (expected: any JSON value)");
            }
        }
    }
}
