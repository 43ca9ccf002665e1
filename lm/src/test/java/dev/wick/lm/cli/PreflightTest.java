package dev.wick.lm.cli;

import dev.wick.lm.ChildJvm;
import dev.wick.lm.Cli;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.CheckpointStore;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.wick.lm.Refusals.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What train checks before it reads the text (the output folder, the device, the sizes, the
 * memory) and what keeps two runs out of one folder; eval's and sample's size limits. Most
 * refusals here are given a --text that does not exist: being refused for something else proves
 * the check came before the text was read.
 */
class PreflightTest {
    private static final String[] SMALL = {"--embed", "8", "--hidden", "16", "--seq", "8", "--batch", "3",
            "--eval-every", "3", "--sample-length", "0", "--device", "cpu"};

    @TempDir
    static Path shared;
    private static Path text;
    private static Path trained;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainOnce() {
        text = shared.resolve("text.txt");
        try {
            Files.writeString(text, TestTexts.sentences(2000, 11));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        trained = shared.resolve("trained");
        Cli.Result r = train("--text", text.toString(), "--out", trained.toString(), "--steps", "4");
        assertEquals(0, r.code(), r.describe());
    }

    /** train with small sizes; options given here replace those. */
    private static Cli.Result train(String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        List<String> asked = Arrays.asList(args);
        for (int i = 0; i < SMALL.length; i += 2) {
            if (!asked.contains(SMALL[i])) all.addAll(List.of(SMALL[i], SMALL[i + 1]));
        }
        all.addAll(asked);
        return Cli.run(all.toArray(String[]::new));
    }

    private Path missingText() {
        return dir.resolve("no-such-text.txt");
    }

    @Test
    void anUnwritableOutIsFoundBeforeTheText() throws IOException {
        // /sys takes no new files even from root, whom file permissions do not stop.
        Path sys = Path.of("/sys");
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean sysRefuses = Files.isDirectory(sys) && refusesNewFiles(sys);
        boolean permissionsHold = refusesNewFiles(readOnly);
        Assumptions.assumeTrue(sysRefuses || permissionsHold, "skipped: this user can write into /sys and a read-only folder");
        if (sysRefuses) {
            Path out = sys.resolve("wick-lm-run");
            assertRefused("--out " + out + ": cannot write into /sys", dir, () -> train("--text", missingText().toString(),
                    "--out", out.toString()));
        }
        if (permissionsHold) {
            Path out = readOnly.resolve("run");
            assertRefused("--out " + out + ": cannot write into " + readOnly + ": permission denied", readOnly,
                    () -> train("--text", missingText().toString(), "--out", out.toString()));
            assertFalse(Files.exists(out));
            Path nested = readOnly.resolve("a/b/run");
            assertRefused("cannot write into " + readOnly, readOnly, () -> train("--text", missingText().toString(),
                    "--out", nested.toString()));
        }
    }

    private static boolean refusesNewFiles(Path folder) {
        try {
            Files.delete(Files.createFile(folder.resolve(".wick-lm-test-probe")));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void anOutUnderAFileIsRefusedBeforeTheText() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertRefused(file + " is not a folder", dir, () -> train("--text", missingText().toString(),
                "--out", file.resolve("run").toString()));
    }

    @Test
    void theDeviceIsCheckedBeforeTheText() throws IOException {
        Path out = dir.resolve("run");
        assertRefused("--device tpu", dir, () -> train("--text", missingText().toString(), "--out", out.toString(),
                "--device", "tpu"));
        assertFalse(Files.exists(out));
    }

    @Test
    void theEnginesOwnLinesWaitUntilTheChecksPass() throws IOException {
        // --device auto logs which engine it chose; a refusal after that must still be one line.
        assertRefused("no such file or directory", dir, () -> train("--text", missingText().toString(),
                "--out", dir.resolve("run").toString(), "--device", "auto"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--seq 2147483647|--seq 2147483647 is too large: a chunk reads --seq + 1 tokens per stream",
            "--hidden 100000|a layer's recurrent weight would hold 100000 x 100000 = 10,000,000,000 values",
            "--cell lstm --hidden 30000|a layer's recurrent weight would hold 120000 x 30000 = 3,600,000,000 values",
            "--batch 100000 --seq 100000|a chunk of token ids would hold 100000 x 100000",
            "--embed 2000000000|the first layer's input weight would hold 16 x 2000000000",
            "--batch 3000 --seq 3000 --hidden 512|one chunk's gates would hold 9000000 x 512 = 4,608,000,000 values",
            "--hidden 40000 --optimizer sgd|the weights file would be 6.0 GiB, more than one file may hold",
            "--hidden 20000|the optimizer's file would be 3.0 GiB, more than one file may hold",
            "--layers 2000000000|the run is too large to checkpoint"})
    void sizesThatOverflowAreRefusedBeforeTheText(String options, String expected) throws IOException {
        Path out = dir.resolve("run");
        List<String> args = new ArrayList<>(List.of("--text", missingText().toString(), "--out", out.toString()));
        args.addAll(Arrays.asList(options.split(" ")));
        Cli.Result r = assertRefused(expected, dir, () -> train(args.toArray(String[]::new)));
        assertFalse(r.err().contains("Exception"), r.describe());
        assertFalse(Files.exists(out));
    }

    @Test
    void aRunLargerThanTheHeapIsRefusedWithWhatItNeeds() throws IOException {
        Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 16L << 30, "skipped: a heap of 16 GiB or more");
        Path out = dir.resolve("run");
        Cli.Result r = assertRefused("of Java heap", dir, () -> train("--text", missingText().toString(), "--out",
                out.toString(), "--batch", "1024", "--seq", "1024", "--hidden", "1024"));
        Matcher m = Pattern.compile("needs about ([0-9.]+) GiB .*one step's activations ([0-9.]+) GiB.* more than the ([0-9.]+) (GiB|MiB)")
                .matcher(r.err());
        assertTrue(m.find(), r.describe());
        // 1024 x 1024 tokens, a tanh layer of 1024: five floats a unit a token at least, 20 GiB.
        assertTrue(Double.parseDouble(m.group(2)) >= 20, r.describe());
        assertTrue(r.err().contains("WICK_LM_JAVA_OPTS=-Xmx"), r.describe());
        assertFalse(Files.exists(out));
    }

    @Test
    void evalRefusesAChunkTooLargeAndReadsALongSeqInOneChunk() throws IOException {
        assertRefused("--seq 2147483647 is too large", trained, () -> Cli.run("eval", "--checkpoint", trained.toString(),
                "--text", missingText().toString(), "--seq", "2147483647", "--device", "cpu"));
        assertRefused("a chunk of token ids would hold 100000 x 100000", trained, () -> Cli.run("eval", "--checkpoint",
                trained.toString(), "--text", text.toString(), "--seq", "100000", "--batch", "100000", "--device", "cpu"));
        Cli.Result r = Cli.run("eval", "--checkpoint", trained.toString(), "--text", text.toString(), "--seq", "100000000",
                "--batch", "2", "--device", "cpu");
        assertEquals(0, r.code(), r.describe());
        // Two streams of 1000 characters: 999 targets each.
        assertTrue(r.out().contains("over 1998 characters"), r.describe());
        assertFalse(r.out().contains("NaN"), r.describe());
    }

    @Test
    void sampleLengthsAreCapped() throws IOException {
        assertRefused("--length must be at most 1,000,000", trained, () -> Cli.run("sample", "--checkpoint",
                trained.toString(), "--length", "1000001", "--device", "cpu"));
        assertRefused("--sample-length must be at most 1,000,000, got 1,000,001", dir, () -> train("--text",
                missingText().toString(), "--out", dir.resolve("run").toString(), "--sample-length", "1000001"));
    }

    @Test
    void anEarlierRunsFilesNeedForce() throws IOException {
        Path out = Files.createDirectories(dir.resolve("earlier"));
        for (String name : new String[]{"loss.csv", "loss.png", "model-00000500.safetensors", "state-00000500.safetensors",
                "notes.txt"}) {
            Files.writeString(out.resolve(name), name);
        }
        assertRefused("--out " + out + " holds files of an earlier run (loss.csv, loss.png, model-00000500.safetensors,"
                + " and 1 more) but no checkpoint.json to resume; pass --force", out, () -> train("--text",
                text.toString(), "--out", out.toString(), "--steps", "2"));
        Cli.Result r = train("--text", text.toString(), "--out", out.toString(), "--steps", "2", "--force");
        assertEquals(0, r.code(), r.describe());
        assertTrue(CheckpointStore.exists(out));
        assertFalse(Files.exists(out.resolve("model-00000500.safetensors")), "the earlier run's model is replaced");
        assertEquals("notes.txt", Files.readString(out.resolve("notes.txt")), "files not of a run are left alone");
        // A checkpoint still needs --resume, --force or not.
        assertRefused("already holds a checkpoint", out, () -> train("--text", text.toString(), "--out", out.toString(),
                "--steps", "2", "--force"));
    }

    @Test
    void aFolderThisProcessTrainsIntoIsRefusedToASecondTraining() throws IOException {
        Path out = dir.resolve("busy");
        try (OutputFolder.Lock lock = OutputFolder.check(out, false, false).lock()) {
            assertRefused("--out " + out + " is in use by another wick-lm training (process " + ProcessHandle.current().pid()
                    + ")", out, () -> train("--text", text.toString(), "--out", out.toString(), "--steps", "2"));
        }
        Cli.Result r = train("--text", text.toString(), "--out", out.toString(), "--steps", "2");
        assertEquals(0, r.code(), r.describe());
        assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(out.resolve(OutputFolder.LOCK_FILE)));
    }

    @Test
    void aLockHeldByAnotherProcessRefusesAndDiesWithIt() throws Exception {
        Path out = dir.resolve("shared-run");
        Process holder = ChildJvm.start(List.of("-Xmx64m"), LockHolder.class, null, dir.resolve("holder.err"), out.toString());
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", said.readLine(), () -> "the lock holder failed: " + read(dir.resolve("holder.err")));
            assertRefused("is in use by another wick-lm training (process " + holder.pid() + ")", out,
                    () -> train("--text", text.toString(), "--out", out.toString(), "--steps", "2"));
            assertRefused("(process " + holder.pid() + ")", out,
                    () -> train("--text", text.toString(), "--out", out.toString(), "--steps", "2", "--resume"));
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        // The killed holder's lock file is still there, its lock gone with it.
        assertTrue(Files.exists(out.resolve(OutputFolder.LOCK_FILE)));
        Cli.Result r = train("--text", text.toString(), "--out", out.toString(), "--steps", "2");
        assertEquals(0, r.code(), r.describe());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
