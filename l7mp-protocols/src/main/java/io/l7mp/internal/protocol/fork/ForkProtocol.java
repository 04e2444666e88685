package io.l7mp.internal.protocol.fork;

import io.l7mp.internal.protocol.stdio.BlockingIo;
import io.l7mp.internal.protocol.stdio.StreamStage;
import io.l7mp.protocol.ForkSpec;
import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.Cluster;
import io.l7mp.spi.ClusterContext;
import io.l7mp.spi.ConnectRequest;
import io.l7mp.spi.ProtocolProvider;
import io.l7mp.spi.SessionError;
import io.l7mp.spi.Stage;
import io.l7mp.spi.StreamKind;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code STDIO-fork} (alias {@code Exec}): a cluster that starts a process per session and makes its stdin and stdout
 * the session's byte stream. The process is started on a blocking-I/O thread, not on the event loop; when the session
 * ends its stdin is closed and it gets SIGTERM, then SIGKILL after the kill timeout; when it closes its stdout (it
 * exited) the session ends. Not retriable: a new process would not have the old one's state.
 */
public final class ForkProtocol implements ProtocolProvider {
    private static final Logger logger = LoggerFactory.getLogger(ForkProtocol.class);

    @Override
    public String name() {
        return "STDIO-fork";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("Exec");
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return ForkSpec.class;
    }

    @Override
    public StreamKind streamKind() {
        return StreamKind.BYTE;
    }

    @Override
    public boolean hasCluster() {
        return true;
    }

    @Override
    public boolean hasEndpoints() {
        return false;
    }

    @Override
    public boolean retriable() {
        return false;
    }

    @Override
    public boolean touchesLocalSystem() {
        return true;
    }

    @Override
    public void validate(ProtocolSpec spec, boolean listener) {
        final ForkSpec s = (ForkSpec) spec;
        if (s.cwd() != null && !new File(s.cwd()).isDirectory()) {
            throw new IllegalArgumentException("cwd: \"" + s.cwd() + "\" (expected: an existing directory)");
        }
    }

    @Override
    public Cluster newCluster(ClusterContext ctx) {
        final ForkSpec spec = (ForkSpec) ctx.spec();
        return r -> connect(spec, r);
    }

    private static Future<Stage> connect(ForkSpec spec, ConnectRequest r) {
        final Promise<Stage> p = r.eventLoop().newPromise();
        final ProcessBuilder pb = new ProcessBuilder(spec.commandLine());
        if (spec.env() != null) {
            pb.environment().putAll(spec.env());
        }
        pb.environment().put("L7MP_SESSION", r.sessionName());
        if (spec.cwd() != null) {
            pb.directory(new File(spec.cwd()));
        }
        // Decided once per process: a logger turned to DEBUG later sees the next processes' stderr.
        final boolean logStderr = logger.isDebugEnabled();
        pb.redirectError(logStderr ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
        try {
            // fork/exec can take milliseconds: not on the event loop.
            BlockingIo.run(() -> start(spec, r, pb, logStderr, p));
        } catch (final RejectedExecutionException e) {
            p.setFailure(new SessionError(503, "cannot start " + spec.command() + ": " + e));
        }
        return p;
    }

    private static void start(ForkSpec spec, ConnectRequest r, ProcessBuilder pb, boolean logStderr,
                              Promise<Stage> p) {
        final Process proc;
        try {
            proc = pb.start();
        } catch (final IOException | RuntimeException e) {
            p.tryFailure(new SessionError(502, "cannot start " + String.join(" ", spec.commandLine()) + ": "
                    + e.getMessage(), e));
            return;
        }
        final String session = r.sessionName();
        logger.debug("{} started pid {}: {}", session, proc.pid(), spec.commandLine());
        if (logStderr) {
            BlockingIo.run(() -> logStderr(session, proc));
        }
        final EventLoop loop = r.eventLoop();
        final StreamStage stage = new StreamStage(loop, session, "pid " + proc.pid() + " (" + spec.command() + ")",
                proc.getInputStream(), proc.getOutputStream(), () -> stop(session, proc, spec.killTimeoutMillis()))
                // A half-close closes the process's stdin: it may answer the rest and exit, which ends the stage.
                .withHalfClose();
        loop.execute(() -> {
            if (!p.trySuccess(stage)) {
                stage.close(null);
            }
        });
    }

    /** Asks the process to exit, and makes sure it does. The stage has already closed its stdin. */
    private static void stop(String session, Process proc, long killTimeoutMillis) {
        if (!proc.isAlive()) {
            logger.debug("{} pid {} exited with {}", session, proc.pid(), proc.exitValue());
            return;
        }
        // Children (of a shell, say) may hold the pipes open: they go too.
        proc.descendants().forEach(ProcessHandle::destroy);
        proc.destroy();
        proc.onExit().orTimeout(killTimeoutMillis, TimeUnit.MILLISECONDS).whenComplete((x, e) -> {
            if (e != null && proc.isAlive()) {
                logger.debug("{} pid {} ignored SIGTERM for {} ms: killing it", session, proc.pid(),
                        killTimeoutMillis);
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
            }
        });
    }

    private static void logStderr(String session, Process proc) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(proc.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                logger.debug("{} pid {} stderr: {}", session, proc.pid(), line);
            }
        } catch (final IOException e) {
            // The process is gone.
        }
    }
}
