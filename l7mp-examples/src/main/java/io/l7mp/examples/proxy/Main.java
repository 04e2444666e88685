package io.l7mp.examples.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The standalone proxy, with l7mp's flags: {@code -c FILE} (YAML when it ends in .yaml/.yml, else JSON), {@code -l
 * LEVEL} (overrides {@code admin.log_level}), {@code -s} (strict validation). Logs go to stderr; SIGTERM and SIGINT
 * close it cleanly. Exit status 1 when the config cannot be loaded or a listener cannot bind, 2 for bad flags.
 */
public final class Main {
    /** l7mp's log levels mapped onto SLF4J's. */
    private static final Map<String, String> LEVELS = Map.of("silly", "trace", "trace", "trace", "verbose", "debug",
            "debug", "debug", "info", "info", "notice", "info", "warn", "warn", "error", "error", "silent", "off");

    /**
     * Off: a warm-up of mixed traffic leaves the JIT with profiles of every path, which made the first UDP-only
     * seconds slower than a cold start while it made new TCP connections faster (docs/performance.md).
     */
    static final long DEFAULT_WARMUP_MILLIS = 0;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.err));
    }

    static int run(String[] args, PrintStream err) throws Exception {
        String config = null;
        String level = null;
        boolean strict = false;
        long warmupMillis = DEFAULT_WARMUP_MILLIS;
        for (int i = 0; i < args.length; i++) {
            final boolean takesValue = switch (args[i]) {
                case "-c", "--config", "-l", "--log-level", "-w", "--warmup" -> true;
                default -> false;
            };
            if (takesValue && i + 1 == args.length) {
                err.println("l7mp: " + args[i] + " needs a value");
                usage(err);
                return 2;
            }
            switch (args[i]) {
                case "-c", "--config" -> config = args[++i];
                case "-l", "--log-level" -> level = args[++i];
                case "-s", "--strict" -> strict = true;
                case "-w", "--warmup" -> {
                    final String v = args[++i];
                    try {
                        warmupMillis = Long.parseLong(v);
                    } catch (final NumberFormatException e) {
                        warmupMillis = -1;
                    }
                    if (warmupMillis < 0 || warmupMillis > 60_000) {
                        err.println("l7mp: --warmup " + v + ": expected milliseconds, 0-60000 (0: no warm-up)");
                        return 2;
                    }
                }
                case "-h", "--help" -> {
                    usage(System.out);
                    return 0;
                }
                default -> {
                    err.println("l7mp: unknown argument: " + args[i]);
                    usage(err);
                    return 2;
                }
            }
        }
        if (config == null) {
            err.println("l7mp: missing -c FILE");
            usage(err);
            return 2;
        }
        final Path file = Path.of(config);
        if (!Files.isReadable(file)) {
            err.println("l7mp: cannot read config file " + file + (Files.exists(file) ? " (permission denied)"
                    : " (no such file)"));
            return 1;
        }
        if (level == null) {
            level = peekLogLevel(file);
        }
        String slf = null;
        if (level != null) {
            slf = LEVELS.get(level.toLowerCase(Locale.ROOT));
            if (slf == null) {
                err.println("l7mp: unknown log level \"" + level
                        + "\" (expected: silly, verbose, info, notice, warn, error or silent)");
                return 2;
            }
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", slf);
        }
        // l7mp's "silly" and "verbose" are about the proxy's own doings: Netty's start-up probes would flood them
        // with stack traces of optional features it does without (sun.misc.Unsafe, virtual threads, ...). Coarser
        // levels apply to Netty as they are: "silent" and "error" keep its warnings out too.
        if (("trace".equals(slf) || "debug".equals(slf))
                && System.getProperty("org.slf4j.simpleLogger.log.io.netty") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.io.netty", "info");
        }
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Sampling leak detection records a stack trace per sampled buffer, a measurable cost per packet in a
            // proxy; it stays available with -Dio.netty.leakDetection.level=... for debugging.
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        // Loggers are created only after the level is set: slf4j-simple reads it once.
        return Proxy.run(file, strict, warmupMillis, err);
    }

    /** Reads admin.log_level before anything logs, so that the config's level applies from the first line. */
    private static String peekLogLevel(Path file) {
        try {
            final String n = file.getFileName().toString();
            final ObjectMapper m = n.endsWith(".yaml") || n.endsWith(".yml") ? new YAMLMapper() : new ObjectMapper();
            final JsonNode l = m.readTree(file.toFile()).path("admin").path("log_level");
            return l.isTextual() ? l.asText() : null;
        } catch (final Exception e) {
            return null;
        }
    }

    private static void usage(PrintStream out) {
        out.println("""
                usage: java -jar l7mp-proxy.jar -c CONFIG [-l LEVEL] [-s]

                  -c, --config FILE     l7mp static config (YAML if it ends in .yaml or .yml, else JSON)
                  -l, --log-level LEVEL silly|verbose|info|notice|warn|error|silent (overrides admin.log_level)
                  -s, --strict          reject unknown fields and dangling references
                  -w, --warmup MS       before starting, run loopback traffic through a throw-away proxy for up to
                                        MS milliseconds so the JIT has compiled the data path (default 0: off)
                  -h, --help            this text

                The proxy runs until SIGTERM or SIGINT. Logs go to stderr.""");
    }

    /** Returns {@code *:1234} (all interfaces), {@code 127.0.0.1:1234}, {@code [::1]:1234}, or a socket path. */
    static String show(@Nullable SocketAddress a) {
        if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            final String h = i.getAddress().isAnyLocalAddress() ? "*" : i.getAddress().getHostAddress();
            return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** Holds everything that logs, so that no logger exists before the level is set. */
    static final class Proxy {
        private Proxy() {
        }

        static int run(Path file, boolean strict, long warmupMillis, PrintStream err) throws InterruptedException {
            final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(Main.class);
            final io.l7mp.L7mp proxy;
            try {
                final io.l7mp.spec.Config cfg = io.l7mp.spec.ConfigCodec.defaults().strict(strict).read(file);
                proxy = io.l7mp.L7mp.builder().config(cfg).strict(strict || cfg.adminOrDefault().isStrict()).build();
            } catch (final io.l7mp.L7mpException | java.io.UncheckedIOException e) {
                err.println("l7mp: " + file + ": " + e.getMessage());
                return 1;
            } catch (final IllegalArgumentException e) {
                // A bad -D setting (the config's own errors are L7mpExceptions): like a bad flag.
                err.println("l7mp: " + e.getMessage());
                return 2;
            }
            if (warmupMillis > 0 && logger.isDebugEnabled()) {
                // Its thousands of sessions would flood a debug log; whoever reads one is not after speed.
                logger.debug("warm-up skipped: the log level is debug or finer");
            } else if (warmupMillis > 0) {
                warmUp(logger, warmupMillis, proxy.transport().group());
            }
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                logger.info("shutting down");
                proxy.close();
                stopped.countDown();
            }, "l7mp-shutdown"));
            try {
                proxy.start().get(30, TimeUnit.SECONDS);
            } catch (final Exception e) {
                final Throwable c = e.getCause() != null ? e.getCause() : e;
                err.println("l7mp: " + file + ": " + c.getMessage());
                return 1;
            }
            for (final io.l7mp.ListenerInfo l : proxy.listeners()) {
                if (l.localAddress() == null) {
                    // No socket address (PIPE's FIFOs, say): its spec tells where it listens.
                    logger.info("listener {} ({}): {}", l.name(), l.spec().spec().protocol(), l.spec().spec());
                } else {
                    logger.info("listener {} ({}) on {}", l.name(), l.spec().spec().protocol(),
                            show(l.localAddress()));
                }
            }
            logger.info("l7mp {} running on {} with {} listener(s), {} cluster(s)", io.l7mp.L7mp.VERSION,
                    proxy.transport().name(), proxy.listeners().size(), proxy.clusters().size());
            stopped.await();
            return 0;
        }

        private static void warmUp(org.slf4j.Logger logger, long millis, io.netty.channel.EventLoopGroup loops)
                throws InterruptedException {
            try {
                final Warmup.Result r = Warmup.run(millis, loops);
                logger.info("warm-up: {} datagrams, {} connections, {} requests, {} MiB in {} ms; compiler idle "
                        + "after {} ms more", r.datagrams(), r.connections(), r.requests(), r.bulkBytes() >> 20,
                        r.millis(), r.compileMillis());
            } catch (final InterruptedException e) {
                throw e;
            } catch (final Exception e) {
                // The proxy works without it, only slower in its first seconds.
                logger.warn("warm-up failed, starting without it: {}", e.toString());
            }
        }
    }
}
