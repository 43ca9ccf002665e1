package dev.wick.lm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Folders for tests: a checkpoint copied before a test changes it, so the original serves the next test. */
public final class Folders {
    private Folders() {
    }

    /** Copies the files directly in {@code from} into {@code to} (created) and returns {@code to}. */
    public static Path copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }
}
