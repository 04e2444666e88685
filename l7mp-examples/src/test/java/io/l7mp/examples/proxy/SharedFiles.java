package io.l7mp.examples.proxy;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
