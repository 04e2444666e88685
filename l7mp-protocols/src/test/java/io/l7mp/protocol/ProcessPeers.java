package io.l7mp.protocol;

import io.l7mp.testing.conformance.PeerServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The processes a STDIO-fork or PIPE fixture talks to, as a conformance {@link PeerServer}: each one writes its pid to
 * a file when it starts ({@link #wrap}), so that the server can count the live ones and end them (SIGTERM).
 */
final class ProcessPeers implements PeerServer {
    private final Path pids;

    ProcessPeers(Path pids) {
        this.pids = pids;
    }

    /** Returns a shell script that records its pid and then becomes {@code command} (a shell command line). */
    String wrap(String command) {
        return "echo $$ >> '" + pids + "'; exec " + command;
    }

    private List<ProcessHandle> alive() throws IOException {
        if (!Files.exists(pids)) {
            return List.of();
        }
        return Files.readAllLines(pids).stream().filter(l -> !l.isBlank())
                .map(l -> ProcessHandle.of(Long.parseLong(l.trim()))).flatMap(Optional::stream)
                .filter(ProcessHandle::isAlive).toList();
    }

    @Override
    public int openConnections() {
        try {
            return alive().size();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean canClose() {
        return true;
    }

    @Override
    public void closeConnections() throws IOException {
        alive().forEach(ProcessHandle::destroy);
    }

    @Override
    public void close() throws IOException {
        alive().forEach(ProcessHandle::destroyForcibly);
    }
}
