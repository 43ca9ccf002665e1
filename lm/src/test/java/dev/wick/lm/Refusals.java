package dev.wick.lm;

import dev.wick.lm.data.Sha256;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bad-input contract: exit 2, exactly one line on stderr saying what is wrong, nothing on stdout, the folder as it was. */
public final class Refusals {
    private Refusals() {
    }

    /** Every file under a folder with its digest and modification time; null when the folder does not exist. */
    public static Map<String, String> snapshot(Path folder) throws IOException {
        if (!Files.exists(folder)) return null;
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                m.put(folder.relativize(f).toString(), Sha256.of(Files.readAllBytes(f)) + "@" + Files.getLastModifiedTime(f));
            }
        }
        return m;
    }

    /** Runs {@code command} and checks the refusal says {@code expected} and leaves {@code folder} as it was. */
    public static Cli.Result assertRefused(String expected, Path folder, Supplier<Cli.Result> command) throws IOException {
        Map<String, String> before = snapshot(folder);
        Cli.Result r = command.get();
        assertEquals(2, r.code(), r.describe());
        assertEquals(1, r.errLines().size(), "exactly one line on stderr:\n" + r.describe());
        assertTrue(r.err().contains(expected), "stderr should say '" + expected + "':\n" + r.describe());
        assertEquals("", r.out(), r.describe());
        assertEquals(before, snapshot(folder), "the output folder must be untouched:\n" + r.describe());
        return r;
    }
}
