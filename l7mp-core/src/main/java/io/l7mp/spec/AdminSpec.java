package io.l7mp.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code admin} block: logging and validation settings of the proxy.
 *
 * @param logLevel      l7mp's levels: silly, verbose, info, notice, warn, error, silent (plus debug, trace)
 * @param logFile       stdout, stderr or a path; kept and reported
 * @param accessLogPath kept and reported
 * @param strict        reject unknown fields and dangling references instead of warning
 * @param version       read-only: reported by the proxy, ignored on input
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AdminSpec(@JsonProperty("log_level") @Nullable String logLevel,
                        @JsonProperty("log_file") @Nullable String logFile,
                        @JsonProperty("access_log_path") @Nullable String accessLogPath,
                        @JsonProperty("strict") @Nullable Boolean strict,
                        @JsonProperty("version") @Nullable String version) {
    /** Accepted values of {@code log_level}. */
    public static final List<String> LOG_LEVELS =
            List.of("silly", "trace", "verbose", "debug", "info", "notice", "warn", "error", "silent");
    /** An empty admin block: level info, not strict. */
    public static final AdminSpec DEFAULT = new AdminSpec(null, null, null, null, null);

    public AdminSpec {
        if (logLevel != null && !LOG_LEVELS.contains(logLevel)) {
            throw new IllegalArgumentException("log_level: \"" + logLevel + "\" (expected: one of " + LOG_LEVELS + ")");
        }
    }

    /** Returns whether strict validation is on. */
    public boolean isStrict() {
        return strict != null && strict;
    }

    public AdminSpec withLogLevel(@Nullable String l) {
        return new AdminSpec(l, logFile, accessLogPath, strict, version);
    }

    public AdminSpec withStrict(boolean s) {
        return new AdminSpec(logLevel, logFile, accessLogPath, s, version);
    }

    public AdminSpec withVersion(@Nullable String v) {
        return new AdminSpec(logLevel, logFile, accessLogPath, strict, v);
    }
}
