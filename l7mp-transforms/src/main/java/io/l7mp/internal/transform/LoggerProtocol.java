package io.l7mp.internal.transform;

import io.l7mp.spec.ProtocolSpec;
import io.l7mp.spi.StreamKind;
import io.l7mp.transform.LoggerSpec;
import io.l7mp.transform.SessionTransform;
import io.l7mp.transform.TransformContext;
import io.l7mp.transform.TransformProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * {@code Logger}: passes messages on unchanged and logs them as l7mp does, {@code <prefix>: <data>}. File and
 * terminal output is written by a background thread ({@link LogWriter}); output to the SLF4J log checks the level
 * first and costs nothing more when it is off.
 */
public final class LoggerProtocol extends TransformProvider {
    /** Parent of the SLF4J loggers that {@code log_file: log} writes to; the cluster name is appended. */
    public static final String LOGGER_PREFIX = "io.l7mp.transform.Logger.";
    private static final Logger logger = LoggerFactory.getLogger(LoggerProtocol.class);

    public LoggerProtocol() {
        super("Logger", StreamKind.DATAGRAM);
    }

    @Override
    public Class<? extends ProtocolSpec> specType() {
        return LoggerSpec.class;
    }

    @Override
    public Map<String, String> localPaths(ProtocolSpec spec) {
        final LoggerSpec s = (LoggerSpec) spec;
        return s.writesFile() ? Map.of("log_file", s.logFile()) : Map.of();
    }

    @Override
    protected SessionTransform newSession(TransformContext ctx) {
        final LoggerSpec spec = (LoggerSpec) ctx.spec();
        if (LoggerSpec.LOG.equals(spec.logFile())) {
            return new ToSlf4j(ctx, spec);
        }
        final LogWriter.Target target;
        if (LoggerSpec.STDOUT.equals(spec.logFile())) {
            target = LogWriter.StdTarget.OUT;
        } else if (LoggerSpec.STDERR.equals(spec.logFile())) {
            target = LogWriter.StdTarget.ERR;
        } else {
            target = new LogWriter.FileTarget(Path.of(spec.logFile()), Boolean.TRUE.equals(spec.append()));
            LogWriter.get().open(target);
        }
        return new ToWriter(ctx, spec, target);
    }

    /** Formats one line: {@code <prefix>: <data>}, a newline added when the data does not end with one. */
    static byte[] textLine(byte[] prefix, ByteBuf msg) {
        final int n = msg.readableBytes();
        final boolean nl = n == 0 || msg.getByte(msg.writerIndex() - 1) != '\n';
        final int pre = prefix.length == 0 ? 0 : prefix.length + 2;
        final byte[] line = new byte[pre + n + (nl ? 1 : 0)];
        if (pre > 0) {
            System.arraycopy(prefix, 0, line, 0, prefix.length);
            line[prefix.length] = ':';
            line[prefix.length + 1] = ' ';
        }
        msg.getBytes(msg.readerIndex(), line, pre, n);
        if (nl) {
            line[line.length - 1] = '\n';
        }
        return line;
    }

    static String hexLine(String prefix, ByteBuf msg) {
        return (prefix.isEmpty() ? "" : prefix + ": ") + msg.readableBytes() + " bytes\n"
                + ByteBufUtil.prettyHexDump(msg) + "\n";
    }

    /** Returns {@code s} without its line terminators at the end: a log record is a line already. */
    static String chomp(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Logs to stdout, stderr or a file of the session through the background writer. */
    private static final class ToWriter implements SessionTransform {
        private final TransformContext ctx;
        private final LogWriter.Target target;
        private final byte[] prefix;
        private final String prefixText;
        private final boolean hex;
        private long dropped;

        ToWriter(TransformContext ctx, LoggerSpec spec, LogWriter.Target target) {
            this.ctx = ctx;
            this.target = target;
            this.prefixText = spec.logPrefix();
            this.prefix = prefixText.getBytes(StandardCharsets.UTF_8);
            this.hex = spec.hex();
        }

        @Override
        public void onMessage(ByteBuf msg, Output out) {
            final LogWriter w = LogWriter.get();
            if (w.hasRoom()) {
                final byte[] line = hex ? hexLine(prefixText, msg).getBytes(StandardCharsets.UTF_8)
                        : textLine(prefix, msg);
                if (!w.write(target, line)) {
                    dropped();
                }
            } else {
                dropped();
            }
            out.emit(msg);
        }

        private void dropped() {
            if (dropped++ == 0) {
                logger.warn("{} Logger {}: output is falling behind, dropping log lines", ctx.sessionName(),
                        ctx.clusterName());
            }
        }

        @Override
        public void onClose() {
            if (target instanceof LogWriter.FileTarget) {
                LogWriter.get().close(target);
            }
            if (dropped > 0) {
                logger.warn("{} Logger {}: dropped {} log lines", ctx.sessionName(), ctx.clusterName(), dropped);
            }
        }
    }

    /** Logs to the proxy's SLF4J log; a disabled level costs one check per message. */
    private static final class ToSlf4j implements SessionTransform {
        private final TransformContext ctx;
        private final Logger log;
        private final Level level;
        private final String prefix;
        private final boolean hex;

        ToSlf4j(TransformContext ctx, LoggerSpec spec) {
            this.ctx = ctx;
            this.log = LoggerFactory.getLogger(LOGGER_PREFIX + ctx.clusterName());
            this.level = Level.valueOf(spec.levelOrDefault().toUpperCase(java.util.Locale.ROOT));
            this.prefix = spec.logPrefix();
            this.hex = spec.hex();
        }

        @Override
        public void onMessage(ByteBuf msg, Output out) {
            if (log.isEnabledForLevel(level)) {
                if (hex) {
                    log.atLevel(level).log("{} {}", ctx.sessionName(), chomp(hexLine(prefix, msg)));
                } else {
                    final String text = chomp(msg.toString(StandardCharsets.UTF_8));
                    if (prefix.isEmpty()) {
                        log.atLevel(level).log("{} {}", ctx.sessionName(), text);
                    } else {
                        log.atLevel(level).log("{} {}: {}", ctx.sessionName(), prefix, text);
                    }
                }
            }
            out.emit(msg);
        }
    }
}
