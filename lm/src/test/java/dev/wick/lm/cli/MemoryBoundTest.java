package dev.wick.lm.cli;

import dev.wick.lm.ChildJvm;
import dev.wick.lm.Main;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Big inputs in a JVM with a small heap (a child process, so its heap can be set): a text trains
 * in about three bytes of heap per byte of text plus the model, where holding the whole text as
 * a String and an int[] took about nineteen; and a heap exhausted anyway ends with one line
 * saying what to lower, not a stack trace.
 */
class MemoryBoundTest {
    private static final int TEXT_MB = 20;
    /** Three bytes a byte of text, and room for the JVM's own objects and a tiny model. */
    private static final int HEAP_MB = 3 * TEXT_MB + 24;
    private static final String[] TINY = {"--device", "cpu", "--steps", "2", "--embed", "8", "--hidden", "16", "--seq", "8",
            "--batch", "4", "--val-fraction", "0", "--sample-length", "0"};

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
        String describe() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run wickLm(int heapMb, String... args) throws Exception {
        Path out = dir.resolve("child.out"), err = dir.resolve("child.err");
        Process p = ChildJvm.start(List.of("-Xmx" + heapMb + "m"), Main.class, out, err, args);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "wick-lm did not finish in 2 minutes");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String[] with(String[] options, String... more) {
        String[] all = new String[more.length + options.length];
        System.arraycopy(more, 0, all, 0, more.length);
        System.arraycopy(options, 0, all, more.length, options.length);
        return all;
    }

    @Test
    void aBigTextTrainsInAboutThreeBytesOfHeapPerByte() throws Exception {
        long seed = TestTexts.freshSeed("aBigTextTrainsInAboutThreeBytesOfHeapPerByte");
        Path text = dir.resolve("big.txt");
        try (BufferedWriter w = Files.newBufferedWriter(text, StandardCharsets.UTF_8)) {
            for (int mb = 0; mb < TEXT_MB; mb++) w.write(TestTexts.sentences(1 << 20, seed + mb));
        }
        for (String tokens : new String[]{"chars", "words"}) {
            Path out = dir.resolve("run-" + tokens);
            Run r = wickLm(HEAP_MB, with(TINY, "train", "--text", text.toString(), "--out", out.toString(), "--tokens", tokens));
            assertEquals(0, r.code(), "--tokens " + tokens + " under -Xmx" + HEAP_MB + "m:\n" + r.describe());
            assertTrue(CheckpointStore.exists(out), r.describe());
        }
    }

    @Test
    void anExhaustedHeapEndsWithOneLineSayingWhatToLower() throws Exception {
        // A million distinct made-up words: their table outgrows a small heap before any size check can see it.
        long seed = TestTexts.freshSeed("anExhaustedHeapEndsWithOneLineSayingWhatToLower");
        SplittableRandom random = new SplittableRandom(seed);
        Path text = dir.resolve("words.txt");
        try (BufferedWriter w = Files.newBufferedWriter(text, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 1_000_000; i++) {
                for (int k = 0; k < 7; k++) w.write('a' + random.nextInt(26));
                w.write(i % 12 == 11 ? '\n' : ' ');
            }
        }
        Path out = dir.resolve("run");
        Run r = wickLm(48, with(TINY, "train", "--text", text.toString(), "--out", out.toString(), "--tokens", "words"));
        assertEquals(1, r.code(), r.describe());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line on stderr:\n" + r.describe());
        assertTrue(lines.get(0).matches("wick-lm train: out of memory: the Java heap \\(at most [0-9.]+ MiB\\) is exhausted;"
                + " lower --batch, --seq, --hidden or --embed.*"), r.describe());
        assertTrue(lines.get(0).contains("WICK_LM_JAVA_OPTS=-Xmx"), r.describe());
        assertFalse(Files.exists(out), "nothing was written:\n" + r.describe());
    }
}
