package io.l7mp.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.l7mp.spec.ProtocolSpec;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code protocol: STDIO-fork} (alias {@code Exec}), a cluster that starts {@code command} with {@code args} for each
 * session and uses its stdin and stdout as a byte stream; stderr goes to the proxy's log at DEBUG. The process
 * inherits the proxy's environment plus {@code env} and {@code L7MP_SESSION} (the session name), and runs in
 * {@code cwd} (default: the proxy's working directory). When the session ends the process's stdin is closed and it is
 * sent SIGTERM, then killed after {@code kill_timeout} milliseconds; when the process closes its stdout (exits), the
 * session ends.
 *
 * @param protocol    "STDIO-fork" or "Exec"
 * @param command     the program, looked up on the PATH when it has no slash
 * @param args        its arguments
 * @param env         variables added to its environment
 * @param cwd         its working directory
 * @param killTimeout milliseconds between SIGTERM and SIGKILL, default {@value #DEFAULT_KILL_TIMEOUT}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ForkSpec(@JsonProperty("protocol") String protocol,
                       @JsonProperty("command") String command,
                       @JsonProperty("args") @Nullable List<String> args,
                       @JsonProperty("env") @Nullable Map<String, String> env,
                       @JsonProperty("cwd") @Nullable String cwd,
                       @JsonProperty("kill_timeout") @Nullable Long killTimeout) implements ProtocolSpec {
    /** Milliseconds a process has to exit after SIGTERM before it is killed. */
    public static final long DEFAULT_KILL_TIMEOUT = 2000;

    public ForkSpec {
        if (protocol == null) {
            protocol = "STDIO-fork";
        }
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("command: " + (command == null ? "missing" : "\"\"")
                    + " (expected: a program to run)");
        }
        if (args != null) {
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i) == null) {
                    throw new IllegalArgumentException("args[" + i + "]: null (expected: a string)");
                }
            }
            args = List.copyOf(args);
        }
        if (env != null) {
            for (final Map.Entry<String, String> e : env.entrySet()) {
                if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || e.getValue() == null) {
                    throw new IllegalArgumentException("env: \"" + e.getKey() + "\" (expected: a name without '=' "
                            + "and a string value)");
                }
            }
            env = Map.copyOf(env);
        }
        if (killTimeout != null && killTimeout < 0) {
            throw new IllegalArgumentException("kill_timeout: " + killTimeout + " (expected: >= 0 ms)");
        }
    }

    /** Returns a spec running {@code command} with these arguments. */
    public static ForkSpec of(String command, String... args) {
        return new ForkSpec("STDIO-fork", command, List.of(args), null, null, null);
    }

    /** Returns a copy with these environment variables added to the process's. */
    public ForkSpec withEnv(Map<String, String> e) {
        return new ForkSpec(protocol, command, args, e, cwd, killTimeout);
    }

    /** Returns a copy running in this directory. */
    public ForkSpec withCwd(String dir) {
        return new ForkSpec(protocol, command, args, env, dir, killTimeout);
    }

    /** Returns a copy with this SIGTERM-to-SIGKILL delay, in milliseconds. */
    public ForkSpec withKillTimeout(long millis) {
        return new ForkSpec(protocol, command, args, env, cwd, millis);
    }

    /** Returns the command line: the command and its arguments. */
    public List<String> commandLine() {
        final List<String> l = new java.util.ArrayList<>();
        l.add(command);
        if (args != null) {
            l.addAll(args);
        }
        return l;
    }

    /** Returns the kill timeout in milliseconds. */
    public long killTimeoutMillis() {
        return killTimeout == null ? DEFAULT_KILL_TIMEOUT : killTimeout;
    }
}
