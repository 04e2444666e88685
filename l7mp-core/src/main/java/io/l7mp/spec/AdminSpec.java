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
 * @param allowLocal    let the REST API create objects whose protocol reaches local resources (Stdio, processes,
 *                      files); false by default. Only the static config or the Java API can set it
 * @param apiToken      when set, the REST API answers only requests with {@code Authorization: Bearer <token>};
 *                      never reported by the REST API
 * @param localDirs     directories under which objects created over the REST API may name local files (Unix socket
 *                      paths, TLS PEM files, log files); none by default, so every such file is refused unless
 *                      {@code allowLocal}. Only the static config or the Java API can set it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AdminSpec(@JsonProperty("log_level") @Nullable String logLevel,
                        @JsonProperty("log_file") @Nullable String logFile,
                        @JsonProperty("access_log_path") @Nullable String accessLogPath,
                        @JsonProperty("strict") @Nullable Boolean strict,
                        @JsonProperty("version") @Nullable String version,
                        @JsonProperty("allow_local") @Nullable Boolean allowLocal,
                        @JsonProperty("api_token") @Nullable String apiToken,
                        @JsonProperty("local_dirs") @Nullable List<String> localDirs) {
    /** Accepted values of {@code log_level}. */
    public static final List<String> LOG_LEVELS =
            List.of("silly", "trace", "verbose", "debug", "info", "notice", "warn", "error", "silent");
    /** An empty admin block: level info, not strict. */
    public static final AdminSpec DEFAULT = new AdminSpec(null, null, null, null, null, null, null, null);

    public AdminSpec {
        if (logLevel != null && !LOG_LEVELS.contains(logLevel)) {
            throw new IllegalArgumentException("log_level: \"" + logLevel + "\" (expected: one of " + LOG_LEVELS + ")");
        }
        if (apiToken != null && apiToken.isBlank()) {
            throw new IllegalArgumentException("api_token: \"\" (expected: a non-empty token)");
        }
        if (localDirs != null) {
            for (int i = 0; i < localDirs.size(); i++) {
                final String d = localDirs.get(i);
                if (d == null || d.isBlank() || d.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("local_dirs[" + i + "]: "
                            + (d == null ? "null" : "\"" + d + "\"") + " (expected: a directory path)");
                }
            }
            localDirs = List.copyOf(localDirs);
        }
    }

    /** An admin block without the REST API's security settings. */
    public AdminSpec(@Nullable String logLevel, @Nullable String logFile, @Nullable String accessLogPath,
                     @Nullable Boolean strict, @Nullable String version) {
        this(logLevel, logFile, accessLogPath, strict, version, null, null, null);
    }

    /** Returns whether the REST API may create objects that reach local resources. */
    public boolean allowsLocal() {
        return allowLocal != null && allowLocal;
    }

    /** Returns the directories REST-created objects may name files in; empty when none. */
    public List<String> localDirsOrEmpty() {
        return localDirs == null ? List.of() : localDirs;
    }

    /** Returns whether strict validation is on. */
    public boolean isStrict() {
        return strict != null && strict;
    }

    public AdminSpec withLogLevel(@Nullable String l) {
        return new AdminSpec(l, logFile, accessLogPath, strict, version, allowLocal, apiToken, localDirs);
    }

    public AdminSpec withStrict(boolean s) {
        return new AdminSpec(logLevel, logFile, accessLogPath, s, version, allowLocal, apiToken, localDirs);
    }

    public AdminSpec withVersion(@Nullable String v) {
        return new AdminSpec(logLevel, logFile, accessLogPath, strict, v, allowLocal, apiToken, localDirs);
    }

    public AdminSpec withAllowLocal(@Nullable Boolean a) {
        return new AdminSpec(logLevel, logFile, accessLogPath, strict, version, a, apiToken, localDirs);
    }

    public AdminSpec withApiToken(@Nullable String t) {
        return new AdminSpec(logLevel, logFile, accessLogPath, strict, version, allowLocal, t, localDirs);
    }

    public AdminSpec withLocalDirs(@Nullable List<String> dirs) {
        return new AdminSpec(logLevel, logFile, accessLogPath, strict, version, allowLocal, apiToken, dirs);
    }

    /** Returns the fields, the token redacted so that it never reaches a log. */
    @Override
    public String toString() {
        return "AdminSpec[logLevel=" + logLevel + ", logFile=" + logFile + ", accessLogPath=" + accessLogPath
                + ", strict=" + strict + ", version=" + version + ", allowLocal=" + allowLocal + ", apiToken="
                + (apiToken == null ? null : "<redacted>") + ", localDirs=" + localDirs + "]";
    }
}
