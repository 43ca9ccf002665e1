package dev.wick.lm.cli;

import dev.wick.lm.Cli;
import dev.wick.lm.Folders;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.CheckpointStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any single bit flipped anywhere in a checkpoint is refused: exit code 2, one line, nothing
 * written. Random flips (a bounded number per run: -Dwick.test.flips, default 60; the seed is
 * printed, -Dwick.test.seed replays it) go round the files of two checkpoints (characters with
 * Adam, words with SGD): checkpoint.json, whose digest covers itself and the tensor files' digests,
 * the model file and the state file. A flip in checkpoint.json or the model file is tried on eval,
 * sample and train --resume in turn; one in the state file, which only --resume reads, on that.
 */
class CheckpointBitFlipTest {
    @TempDir
    static Path shared;
    private static Path text;
    private static final List<Path> CHECKPOINTS = new ArrayList<>();

    @BeforeAll
    static void trainTwo() throws IOException {
        text = shared.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(2000, 13));
        String[][] runs = {{"--steps", "5"}, {"--steps", "5", "--tokens", "words", "--optimizer", "sgd", "--cell", "lstm"}};
        for (String[] run : runs) {
            Path out = shared.resolve("run-" + CHECKPOINTS.size());
            List<String> args = new ArrayList<>(List.of("train", "--text", text.toString(), "--out", out.toString(),
                    "--device", "cpu", "--embed", "6", "--hidden", "8", "--seq", "8", "--batch", "3", "--eval-every", "2",
                    "--sample-length", "0"));
            args.addAll(Arrays.asList(run));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.describe());
            CHECKPOINTS.add(out);
        }
    }

    /** The files a checkpoint consists of: checkpoint.json, model-*, state-* (not loss.csv and loss.png beside them). */
    private static List<Path> checkpointFiles(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals(CheckpointStore.INDEX) || n.endsWith(".safetensors");
            }).sorted().toList();
        }
    }

    @Test
    void everySingleBitFlipIsRefused() throws IOException {
        long seed = TestTexts.freshSeed("everySingleBitFlipIsRefused");
        int flips = Integer.getInteger("wick.test.flips", 60);
        SplittableRandom random = new SplittableRandom(seed);
        List<Path[]> targets = new ArrayList<>();
        for (Path checkpoint : CHECKPOINTS) {
            List<Path> files = checkpointFiles(checkpoint);
            assertEquals(3, files.size(), files.toString());
            for (Path f : files) targets.add(new Path[]{checkpoint, f});
        }
        for (int i = 0; i < flips; i++) {
            Path[] target = targets.get(i % targets.size());
            String name = target[1].getFileName().toString();
            Path copy = Folders.copyFiles(target[0], shared.resolve("flip-" + i));
            Path file = copy.resolve(name);
            byte[] bytes = Files.readAllBytes(file);
            int at = random.nextInt(bytes.length), bit = random.nextInt(8);
            bytes[at] ^= (byte) (1 << bit);
            Files.write(file, bytes);

            String[] command = command(name.startsWith("state-") ? 2 : (i / targets.size()) % 3, copy);
            Map<String, byte[]> before = Folders.contents(copy);
            Cli.Result r = Cli.run(command);
            String what = "flip " + i + " (seed " + seed + "): bit " + bit + " of byte " + at + " of " + name + " in "
                    + target[0].getFileName() + "\n" + r.describe();
            assertEquals(2, r.code(), what);
            assertEquals(1, r.errLines().size(), what);
            assertTrue(r.err().contains("cannot use the checkpoint"), what);
            assertEquals("", r.out(), what);
            assertTrue(Folders.sameContents(before, Folders.contents(copy)), "the folder must be untouched: " + what);
        }
    }

    private static String[] command(int which, Path checkpoint) {
        return switch (which) {
            case 0 -> new String[]{"eval", "--checkpoint", checkpoint.toString(), "--text", text.toString(), "--device", "cpu"};
            case 1 -> new String[]{"sample", "--checkpoint", checkpoint.toString(), "--device", "cpu"};
            default -> new String[]{"train", "--out", checkpoint.toString(), "--resume", "--steps", "9", "--device", "cpu"};
        };
    }
}
