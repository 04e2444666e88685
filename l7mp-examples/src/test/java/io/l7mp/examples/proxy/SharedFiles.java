package io.l7mp.examples.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the project's {@code shared/} folder, which CI checks out beside the repository. */
final class SharedFiles {
    private SharedFiles() {
    }

    static Path find(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++) {
            final Path candidate = dir.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            final Path sibling = dir.resolveSibling("shared").resolve(relative);
            if (Files.exists(sibling)) {
                return sibling;
            }
            dir = dir.getParent();
        }
        throw new AssertionError("shared/" + relative + " not found beside the repository");
    }

    private static final Pattern PORT = Pattern.compile("(\\bport:\\s*)(\\d+)");

    /**
     * Returns an l7mp config's text with every {@code port: N} moved to a port free on this machine (the same N to
     * the same port), so that a test runs the file as it is without clashing with whatever holds l7mp's fixed ports;
     * {@code ports} receives the mapping.
     */
    static String withFreePorts(String text, Map<Integer, Integer> ports) {
        final Matcher m = PORT.matcher(text);
        final StringBuilder sb = new StringBuilder();
        while (m.find()) {
            final int p = ports.computeIfAbsent(Integer.parseInt(m.group(2)), k -> freePort());
            m.appendReplacement(sb, m.group(1) + p);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Reads a shared l7mp config with its ports moved as {@link #withFreePorts} does. */
    static String config(String name, Map<Integer, Integer> ports) {
        try {
            return withFreePorts(Files.readString(find("l7mp-configs/" + name)), ports);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<Integer, Integer> ports() {
        return new LinkedHashMap<>();
    }

    /** A port free for both TCP and UDP on the loopback address right now. */
    static int freePort() {
        for (int i = 0; i < 100; i++) {
            try (ServerSocket t = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 DatagramSocket u = new DatagramSocket(t.getLocalPort(), InetAddress.getLoopbackAddress())) {
                return t.getLocalPort();
            } catch (final IOException e) {
                // taken for UDP: try another
            }
        }
        throw new IllegalStateException("no free port");
    }
}
