package dev.wick.lm.cli;

import dev.wick.core.io.StoredTensor;
import dev.wick.lm.Cli;
import dev.wick.lm.Folders;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointStore;
import dev.wick.lm.checkpoint.NonFinite;
import dev.wick.lm.checkpoint.StoredF32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Divergence never costs a good checkpoint: a run whose loss, gradient or parameters become NaN or
 * infinite stops with exit code 1 before it saves anything, leaves the last finite checkpoint as it
 * was and names its step; eval, sample and --resume refuse a checkpoint with such weights; a loss
 * that stays finite but explodes is a warning.
 */
class DivergenceTest {
    private static final Pattern DIVERGED = Pattern.compile("training diverged at step (\\d+): .*; nothing was saved after"
            + " step (\\d+), whose checkpoint in .* is kept; try a lower --lr or --clip");

    @TempDir
    static Path shared;
    private static Path text;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeText() throws IOException {
        text = shared.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(3000, 21));
    }

    private static Cli.Result train(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--text", text.toString(), "--out", out.toString(),
                "--device", "cpu", "--embed", "8", "--hidden", "16", "--seq", "8", "--batch", "3", "--sample-length", "0"));
        args.addAll(Arrays.asList(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static String lastLine(Cli.Result r) {
        List<String> lines = r.errLines();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The reproduction of issue 13: the first update makes the weights infinite; before, they were saved. */
    @Test
    void aRunThatDivergesBeforeItsFirstCheckpointSavesNothing() throws IOException {
        Path out = dir.resolve("run");
        Cli.Result r = train(out, "--lr", "1e39", "--checkpoint-every", "1", "--steps", "5");
        assertEquals(1, r.code(), r.describe());
        assertTrue(lastLine(r).startsWith("wick-lm train: training diverged at step 1: ")
                && lastLine(r).contains("no checkpoint had been saved yet"), r.describe());
        assertFalse(r.err().contains("Exception"), r.describe());
        // Only the lock file, which a training leaves by design (see OutputFolder): no model, state or loss files.
        assertEquals(List.of("wick-lm.lock"), files(out), r.describe());
    }

    @Test
    void aRunThatDivergesKeepsTheLastFiniteCheckpointAndNamesIt() throws Exception {
        Path out = dir.resolve("run");
        Cli.Result r = train(out, "--lr", "1e37", "--checkpoint-every", "1", "--eval-every", "1", "--steps", "20");
        assertEquals(1, r.code(), r.describe());
        Matcher m = DIVERGED.matcher(lastLine(r));
        assertTrue(m.find(), r.describe());
        int kept = Integer.parseInt(m.group(2));
        assertEquals(Integer.parseInt(m.group(1)), kept + 1, r.describe());
        assertTrue(kept >= 1, "this learning rate takes a step or more to blow up:\n" + r.describe());

        Checkpoint checkpoint = CheckpointStore.load(out, true);
        assertEquals(kept, checkpoint.document().step(), r.describe());
        assertNull(NonFinite.describeFirst(checkpoint.weights()));
        assertNull(NonFinite.describeFirst(checkpoint.state()));
        Cli.Result eval = Cli.run("eval", "--checkpoint", out.toString(), "--text", text.toString(), "--device", "cpu");
        assertEquals(0, eval.code(), eval.describe());

        // Resumed, the run goes the same way, and the checkpoint it names is the one it resumed from.
        byte[] index = Files.readAllBytes(out.resolve(CheckpointStore.INDEX));
        Cli.Result resumed = train(out, "--resume", "--steps", "20");
        assertEquals(1, resumed.code(), resumed.describe());
        Matcher again = DIVERGED.matcher(lastLine(resumed));
        assertTrue(again.find() && Integer.parseInt(again.group(2)) == kept, resumed.describe());
        assertTrue(Arrays.equals(index, Files.readAllBytes(out.resolve(CheckpointStore.INDEX))), resumed.describe());
    }

    @Test
    void evalSampleAndResumeRefuseWeightsThatAreNotFinite() throws Exception {
        Path out = dir.resolve("run");
        Cli.Result r = train(out, "--steps", "4", "--eval-every", "2");
        assertEquals(0, r.code(), r.describe());
        Checkpoint good = CheckpointStore.load(out, true);
        Map<String, StoredTensor> weights = new LinkedHashMap<>(good.weights());
        weights.put("rnn.bias_hh_l0", StoredF32.withValue(weights.get("rnn.bias_hh_l0"), 3, Float.NaN));
        // Written as the program before this check did: a checkpoint of a run that diverged.
        CheckpointStore.save(out, good.document(), weights, good.state());
        Path copy = Folders.copyFiles(out, dir.resolve("copy"));
        for (String[] command : new String[][]{
                {"eval", "--checkpoint", copy.toString(), "--text", text.toString(), "--device", "cpu"},
                {"sample", "--checkpoint", copy.toString(), "--device", "cpu"},
                {"train", "--out", copy.toString(), "--resume", "--steps", "8", "--device", "cpu"}}) {
            Map<String, byte[]> before = Folders.contents(copy);
            Cli.Result refused = Cli.run(command);
            assertEquals(2, refused.code(), refused.describe());
            assertEquals(1, refused.errLines().size(), refused.describe());
            assertTrue(refused.err().contains("tensor 'rnn.bias_hh_l0' holds NaN at index 3 (the run that wrote it diverged)"),
                    refused.describe());
            assertEquals("", refused.out(), refused.describe());
            assertTrue(Folders.sameContents(before, Folders.contents(copy)), refused.describe());
        }
    }

    @Test
    void aLossThatExplodesButStaysFiniteIsAWarning() throws IOException {
        Cli.Result exploding = train(dir.resolve("exploding"), "--lr", "1", "--eval-every", "2", "--steps", "8");
        assertEquals(0, exploding.code(), exploding.describe());
        List<String> warnings = exploding.errLines().stream().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(1, warnings.size(), exploding.describe());
        assertTrue(warnings.get(0).contains("the validation loss") && warnings.get(0).contains("twice the loss of a uniform guess")
                && warnings.get(0).contains("3 times in a row"), exploding.describe());

        Cli.Result noValidation = train(dir.resolve("no-validation"), "--lr", "1", "--eval-every", "2", "--steps", "8",
                "--val-fraction", "0");
        assertEquals(0, noValidation.code(), noValidation.describe());
        assertTrue(noValidation.err().contains("warning: step 6: the training loss"), noValidation.describe());

        Cli.Result healthy = train(dir.resolve("healthy"), "--lr", "1e-2", "--eval-every", "2", "--steps", "8");
        assertEquals(0, healthy.code(), healthy.describe());
        assertFalse(healthy.err().contains("warning"), healthy.describe());
    }
}
