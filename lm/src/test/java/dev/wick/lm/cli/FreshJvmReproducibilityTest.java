package dev.wick.lm.cli;

import dev.wick.lm.Main;
import dev.wick.lm.TestTexts;
import dev.wick.lm.report.LossCurve;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * wick-lm's bits do not depend on the JIT: each training below runs in a fresh JVM on the default
 * CPU path (the Vector API), so the kernels are interpreted, compiled by C1 and by C2 at different
 * moments in each, and yet two identical runs, a run on C1 alone with one thread, and a run stopped
 * half way and resumed in another JVM all write the same loss.csv and the same model and optimizer
 * files, byte for byte.
 */
class FreshJvmReproducibilityTest {
    private static final int STEPS = 90, HALF = 45;
    /** An LSTM, so that sigmoid runs as well as tanh and the softmax's exp; sizes that fill whole vectors and tails. */
    private static final List<String> MODEL = List.of("--device", "cpu", "--cell", "lstm", "--embed", "16",
            "--hidden", "40", "--seq", "16", "--batch", "6", "--lr", "1e-2", "--eval-every", "15", "--val-chunks", "2",
            "--checkpoint-every", "30", "--sample-length", "20");

    @TempDir
    Path dir;

    @Test
    void identicalResumedAndOtherwiseCompiledRunsWriteTheSameBytes() throws Exception {
        long seed = TestTexts.freshSeed("identicalResumedAndOtherwiseCompiledRunsWriteTheSameBytes");
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(6000, seed));
        Path first = dir.resolve("first"), second = dir.resolve("second"), c1 = dir.resolve("c1"), split = dir.resolve("split");

        train(List.of(), text, first, seed, STEPS);
        train(List.of(), text, second, seed, STEPS);
        // C1 only, where the old Vector API exp and tanh never left their Java fallback, and one thread.
        train(List.of("-XX:TieredStopAtLevel=1", "-XX:ActiveProcessorCount=1"), text, c1, seed, STEPS);
        train(List.of(), text, split, seed, HALF);
        wickLm(List.of(), "train", "--out", split.toString(), "--resume", "--steps", Integer.toString(STEPS),
                "--device", "cpu");

        String step = String.format("%08d", STEPS);
        for (Path run : List.of(second, c1, split)) {
            String why = "seed " + seed + ", " + run.getFileName() + " against " + first.getFileName();
            for (String file : List.of(LossCurve.CSV, "model-" + step + ".safetensors", "state-" + step + ".safetensors")) {
                assertArrayEquals(Files.readAllBytes(first.resolve(file)), Files.readAllBytes(run.resolve(file)),
                        file + ", " + why);
            }
        }
    }

    private static void train(List<String> jvmOptions, Path text, Path out, long seed, int steps) throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--text", text.toString(), "--out", out.toString(),
                "--seed", Long.toString(seed), "--steps", Integer.toString(steps)));
        args.addAll(MODEL);
        wickLm(jvmOptions, args.toArray(String[]::new));
    }

    /** Runs wick-lm's Main in a fresh JVM, the same java and class path as this one, with the Vector API. */
    private static void wickLm(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "-Xmx1g"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "still running: " + command);
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
    }
}
