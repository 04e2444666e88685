package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: Metric}: passes messages on unchanged and counts bytes and messages per session and cluster; read
 * the counts with {@link Metrics}.
 *
 * @param protocol          "Metric"
 * @param byteCounterName   the Prometheus name of the byte counter (l7mp accepts the key and ignores it); default
 *                          {@value #DEFAULT_BYTES}
 * @param packetCounterName the Prometheus name of the message counter; default {@value #DEFAULT_PACKETS}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricSpec(@JsonProperty("protocol") String protocol,
                         @JsonProperty("byteCounterName") @Nullable String byteCounterName,
                         @JsonProperty("packetCounterName") @Nullable String packetCounterName)
        implements ProtocolSpec {
    /** l7mp's byte counter name. */
    public static final String DEFAULT_BYTES = "session_byte_counter_total";
    /** l7mp's message counter name. */
    public static final String DEFAULT_PACKETS = "session_packet_counter_total";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    public MetricSpec {
        if (protocol == null) {
            protocol = "Metric";
        }
        check("byteCounterName", byteCounterName);
        check("packetCounterName", packetCounterName);
    }

    /** Returns a spec with l7mp's counter names. */
    public static MetricSpec of() {
        return new MetricSpec("Metric", null, null);
    }

    /** Returns the byte counter's name. */
    public String bytesName() {
        return byteCounterName == null ? DEFAULT_BYTES : byteCounterName;
    }

    /** Returns the message counter's name. */
    public String packetsName() {
        return packetCounterName == null ? DEFAULT_PACKETS : packetCounterName;
    }

    private static void check(String field, @Nullable String v) {
        if (v != null && !NAME.matcher(v).matches()) {
            throw new IllegalArgumentException(field + ": \"" + v + "\" (expected: a Prometheus metric name, "
                    + NAME.pattern() + ")");
        }
    }
}
