package dev.wick.lm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
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

    /** Every file directly in {@code folder} with its bytes, by name in order: what a refused command must leave as it was. */
    public static Map<String, byte[]> contents(Path folder) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) m.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return m;
    }

    /** Whether two {@link #contents} hold the same files with the same bytes. */
    public static boolean sameContents(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (String name : a.keySet()) {
            if (!Arrays.equals(a.get(name), b.get(name))) return false;
        }
        return true;
    }
}
