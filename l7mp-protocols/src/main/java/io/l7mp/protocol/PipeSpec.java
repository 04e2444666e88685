package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: PIPE}, named pipes (FIFOs) as a byte stream. Directions are the proxy's, in both roles: the proxy
 * reads {@code input} and writes {@code output}. A listener (singleton mode) sends what it reads from {@code input}
 * into its session and writes what comes back to {@code output}; a cluster writes what the session sends it to
 * {@code output} and returns what it reads from {@code input}. Either may be left out for a one-way pipe. A missing
 * FIFO is created ({@code mkfifo -m 600}); a path that exists and is not a FIFO is an error. Paths are relative to
 * the working directory.
 *
 * @param protocol "PIPE"
 * @param input    the FIFO the proxy reads
 * @param output   the FIFO the proxy writes
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PipeSpec(@JsonProperty("protocol") String protocol,
                       @JsonProperty("input") @Nullable String input,
                       @JsonProperty("output") @Nullable String output) implements ProtocolSpec {
    public PipeSpec {
        if (protocol == null) {
            protocol = "PIPE";
        }
        if (input != null && input.isEmpty()) {
            throw new IllegalArgumentException("input: \"\" (expected: a FIFO path)");
        }
        if (output != null && output.isEmpty()) {
            throw new IllegalArgumentException("output: \"\" (expected: a FIFO path)");
        }
        if (input == null && output == null) {
            throw new IllegalArgumentException("input: missing (expected: a FIFO path in input, output or both)");
        }
        if (input != null && input.equals(output)) {
            throw new IllegalArgumentException("output: \"" + output + "\" (expected: a FIFO other than input)");
        }
    }

    /** Returns a spec that reads {@code input} and writes {@code output}; either may be null. */
    public static PipeSpec of(@Nullable String input, @Nullable String output) {
        return new PipeSpec("PIPE", input, output);
    }
}
