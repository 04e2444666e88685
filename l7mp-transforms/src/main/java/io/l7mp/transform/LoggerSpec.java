package io.l7mp.transform;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: Logger}: passes every message on unchanged and logs it as {@code <log_prefix>: <data>}.
 *
 * @param protocol  "Logger"
 * @param logFile   where to log: {@code "-"} (default) standard output, {@code "stderr"}, {@code "log"} the proxy's
 *                  SLF4J log (logger {@code io.l7mp.transform.Logger.<cluster>}) at {@code level}, or a file path
 *                  (relative to the working directory), opened per session and truncated, as l7mp does, unless
 *                  {@code append} is true; stages using one file at the same time share it
 * @param logPrefix written before each message, followed by {@code ": "}; default none (l7mp's {@code ""})
 * @param format    {@code text} (default: the bytes as they are) or {@code hex} (a hex dump)
 * @param level     with {@code log_file: log}: {@code trace}, {@code debug}, {@code info} (default), {@code warn} or
 *                  {@code error}
 * @param append    with a file: append to it instead of truncating it when a session starts (default false)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoggerSpec(@JsonProperty("protocol") String protocol,
                         @JsonProperty("log_file") String logFile,
                         @JsonProperty("log_prefix") String logPrefix,
                         @JsonProperty("format") @Nullable String format,
                         @JsonProperty("level") @Nullable String level,
                         @JsonProperty("append") @Nullable Boolean append) implements ProtocolSpec {
    /** {@code log_file} for standard output (l7mp's default). */
    public static final String STDOUT = "-";
    /** {@code log_file} for standard error. */
    public static final String STDERR = "stderr";
    /** {@code log_file} for the proxy's SLF4J log. */
    public static final String LOG = "log";

    private static final Set<String> FORMATS = Set.of("text", "hex");
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    public LoggerSpec {
        if (protocol == null) {
            protocol = "Logger";
        }
        if (logFile == null || logFile.isEmpty()) {
            logFile = STDOUT;
        }
        if (logPrefix == null) {
            logPrefix = "";
        }
        if (format != null) {
            format = format.toLowerCase(Locale.ROOT);
            if (!FORMATS.contains(format)) {
                throw new IllegalArgumentException("format: \"" + format + "\" (expected: text or hex)");
            }
        }
        if (level != null) {
            level = level.toLowerCase(Locale.ROOT);
            if (!LEVELS.contains(level)) {
                throw new IllegalArgumentException("level: \"" + level
                        + "\" (expected: trace, debug, info, warn or error)");
            }
            if (!LOG.equals(logFile)) {
                throw new IllegalArgumentException("level: \"" + level + "\" (expected: only with log_file: log)");
            }
        }
    }

    /** Returns a spec that logs to standard output with this prefix ("" for none). */
    public static LoggerSpec stdout(String prefix) {
        return new LoggerSpec("Logger", STDOUT, prefix, null, null, null);
    }

    /** Returns a spec that logs to this file, truncated per session, with this prefix. */
    public static LoggerSpec file(String path, String prefix) {
        return new LoggerSpec("Logger", path, prefix, null, null, null);
    }

    /** Returns a spec that logs to the proxy's SLF4J log at this level ("info", "debug", ...). */
    public static LoggerSpec log(String level, String prefix) {
        return new LoggerSpec("Logger", LOG, prefix, null, level, null);
    }

    /** Returns a copy with this format, "text" or "hex". */
    public LoggerSpec withFormat(String f) {
        return new LoggerSpec(protocol, logFile, logPrefix, f, level, append);
    }

    /** Returns a copy that appends to its file instead of truncating it. */
    public LoggerSpec withAppend(boolean a) {
        return new LoggerSpec(protocol, logFile, logPrefix, format, level, a);
    }

    /** Returns true for a hex dump. */
    public boolean hex() {
        return "hex".equals(format);
    }

    /** Returns the level for {@code log_file: log}, "info" by default. */
    public String levelOrDefault() {
        return level == null ? "info" : level;
    }

    /**
     * Returns true when the logger writes a file: a local-system effect that an API exposed to remote users may
     * want to refuse.
     */
    @JsonIgnore
    public boolean writesFile() {
        return !STDOUT.equals(logFile) && !STDERR.equals(logFile) && !LOG.equals(logFile);
    }
}
