package dev.wick.lm.cli;

import dev.wick.lm.Cli;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.checkpoint.CheckpointStore;
import dev.wick.lm.data.TextLoader;
import dev.wick.lm.data.WordTokenizer;
import dev.wick.lm.report.LossCurve;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** wick-lm end to end, in-process: training, resuming, evaluating and sampling on the CPU. */
class TrainCliTest {
    /** Tiny sizes: a few dozen steps take about a second on two cores. A test's own options replace these. */
    private static final List<String> SMALL = List.of("--device", "cpu", "--embed", "12", "--hidden", "32", "--seq", "12",
            "--batch", "4", "--eval-every", "5", "--val-chunks", "0", "--checkpoint-every", "7",
            "--sample-length", "40");
    private static final Pattern LOSS = Pattern.compile("loss ([0-9.]+) nats/(char|token)");

    @TempDir
    Path dir;

    private static Cli.Result train(Path text, Path out, long seed, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--text", text.toString(), "--out", out.toString(),
                "--seed", Long.toString(seed)));
        List<String> asked = Arrays.asList(more);
        for (int i = 0; i < SMALL.size(); i += 2) {
            if (!asked.contains(SMALL.get(i))) args.addAll(SMALL.subList(i, i + 2));
        }
        args.addAll(asked);
        if (!asked.contains("--lr") && !asked.contains("sgd")) args.addAll(List.of("--lr", "1e-2"));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.describe());
        return r;
    }

    private static CheckpointDocument document(Path out) throws Exception {
        return CheckpointStore.load(out, false).document();
    }

    private static double loss(Cli.Result r, String marker) {
        for (String line : r.out().split("\\R")) {
            Matcher m = LOSS.matcher(line);
            if (line.contains(marker) && m.find()) return Double.parseDouble(m.group(1));
        }
        throw new AssertionError("no '" + marker + "' loss in\n" + r.describe());
    }

    private static String sample(Cli.Result training) {
        String out = training.out();
        int at = out.indexOf("sample (temperature 1.0):");
        assertTrue(at >= 0, training.describe());
        return out.substring(out.indexOf('\n', at) + 1);
    }

    @Test
    void validationLossFallsWellBelowTheUniformGuess() throws Exception {
        long seed = TestTexts.freshSeed("validationLossFallsWellBelowTheUniformGuess");
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(5000, seed));
        Path out = dir.resolve("run");
        Cli.Result r = train(text, out, seed, "--steps", "60");

        CheckpointDocument d = document(out);
        double uniform = Math.log(d.model().vocabSize());
        double[][] val = d.history().validation();
        assertEquals(12, val.length, "validation every 5 steps: " + Arrays.deepToString(val));
        double first = val[0][1], last = val[val.length - 1][1];
        double whole = loss(r, "validation (whole split)");
        String why = "seed " + seed + ": ln V = " + uniform + ", validation " + first + " -> " + last + ", whole split "
                + whole + "\n" + r.describe();
        assertTrue(last < uniform - 1.0, why);
        assertTrue(last < first - 0.3, why);
        assertEquals(last, whole, 5e-5, "with --val-chunks 0 every validation reads the whole split (printed to 4 places); " + why);
        assertTrue(Files.size(out.resolve(LossCurve.PNG)) > 1000, "loss.png");
        List<String> csv = Files.readAllLines(out.resolve(LossCurve.CSV));
        assertEquals("step,train_loss,val_loss", csv.get(0));
        assertEquals(61, csv.size());
        String sampled = sample(r);
        assertTrue(sampled.startsWith("\n"), "the default prime is a newline: " + sampled);
        assertEquals(1 + 40 + System.lineSeparator().length(), sampled.codePointCount(0, sampled.length()),
                "prime, 40 sampled characters, end of line: " + sampled);
    }

    /**
     * Every kind of token with every optimizer and every cell, stacked, with dropout (its masks
     * depend on the step) and tied weights; SGD at a rate high enough for validation to stall and
     * anneal sometimes.
     */
    @ParameterizedTest
    @CsvSource({"chars,adam,1e-2,", "chars,sgd,8,", "words,adam,1e-2,", "words,sgd,8,",
            "chars,adam,1e-2,--cell lstm --layers 2 --dropout 0.3",
            "words,sgd,8,--cell gru --layers 2 --dropout 0.2 --tie-weights --embed 12 --hidden 12",
            "words,adam,1e-2,--cell lstm --tie-weights --embed 12 --hidden 12",
            "chars,sgd,8,--cell tanh --layers 3 --dropout 0.1",
            "words,adam,1e-2,--cell lstm --sparse-embedding", "words,sgd,8,--cell gru --layers 2 --sparse-embedding"})
    void resumingGivesExactlyTheUninterruptedRun(String tokens, String optimizer, String lr, String model) throws Exception {
        long seed = TestTexts.freshSeed("resumingGivesExactlyTheUninterruptedRun " + tokens + " " + optimizer + " " + model);
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(3000, seed));
        Path whole = dir.resolve("whole"), split = dir.resolve("split");
        // Stopped at step 10, a multiple of --eval-every 5: a run validates at its last step, which an
        // uninterrupted run does not do elsewhere (and with annealing, that validation counts).
        String[] options = concat(new String[]{"--tokens", tokens, "--optimizer", optimizer, "--lr", lr},
                model == null ? new String[0] : model.split(" "));

        // On the default CPU path (the Vector API, where the surefire JVM has the module); the same in
        // fresh JVMs, whatever the JIT has compiled, is FreshJvmReproducibilityTest's.
        Cli.Result uninterrupted = train(text, whole, seed, concat(options, "--steps", "20"));
        train(text, split, seed, concat(options, "--steps", "10"));
        assertEquals(10, document(split).step());
        Cli.Result resumed = Cli.run("train", "--out", split.toString(), "--resume", "--steps", "20", "--device", "cpu");
        assertEquals(0, resumed.code(), resumed.describe());

        String why = "seed " + seed + ", " + tokens + ", " + optimizer + ", " + model;
        CheckpointDocument a = document(whole), b = document(split);
        assertEquals(a.optimizer(), b.optimizer(), "the learning rate as annealed and the best validation loss; " + why);
        assertEquals(tokens, b.model().tokens());
        assertEquals(model == null ? "tanh" : model.replaceAll(".*--cell (\\w+).*", "$1"), b.model().cell(), why);
        assertEquals(model != null && model.contains("--tie-weights"), b.model().tied(), why);
        assertEquals(model != null && model.contains("--sparse-embedding"), b.model().sparseEmbedding(), why);
        assertArrayEquals(a.model().words(), b.model().words());
        assertEquals(Files.readString(whole.resolve(LossCurve.CSV)), Files.readString(split.resolve(LossCurve.CSV)),
                "every training and validation loss, to the last bit; " + why);
        for (String f : List.of("model-00000020.safetensors", "state-00000020.safetensors")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(split.resolve(f)), f + "; " + why);
        }
        assertEquals(sample(uninterrupted), sample(resumed), why);
        assertEquals(loss(uninterrupted, "validation (whole split)"), loss(resumed, "validation (whole split)"), 0.0, why);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(Arrays.asList(a));
        all.addAll(Arrays.asList(b));
        return all.toArray(String[]::new);
    }

    /**
     * At a learning rate too small to move any float32 weight, every validation loss equals the
     * first: none improves on the best, so each after the first divides the rate by --anneal, in
     * an uninterrupted run and across a resumption alike.
     */
    @Test
    void sgdAnnealsWhenValidationDoesNotImprove() throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(3000, 4));
        String[] options = {"--tokens", "words", "--optimizer", "sgd", "--lr", "1e-30", "--eval-every", "2", "--anneal", "2"};
        Path whole = dir.resolve("whole"), split = dir.resolve("split");
        Cli.Result r = train(text, whole, 4, concat(options, "--steps", "8"));
        double[][] val = document(whole).history().validation();
        assertEquals(4, val.length, r.describe());
        for (double[] v : val) assertEquals(val[0][1], v[1], 0.0, "the weights do not move: " + r.describe());
        assertEquals(3, r.errLines().stream().filter(l -> l.contains("did not improve on the best")).count(), r.describe());
        assertTrue(r.err().contains("step 8: validation loss") && r.err().contains("lr 2.5E-31 -> 1.25E-31"), r.describe());
        assertEquals(1e-30 / 8, document(whole).optimizer().lr(), 0.0, r.describe());
        assertEquals(val[0][1], document(whole).optimizer().bestValidation(), 0.0);

        train(text, split, 4, concat(options, "--steps", "4"));
        assertEquals(1e-30 / 2, document(split).optimizer().lr(), 0.0);
        Cli.Result resumed = Cli.run("train", "--out", split.toString(), "--resume", "--steps", "8", "--device", "cpu");
        assertEquals(0, resumed.code(), resumed.describe());
        assertEquals(1e-30 / 8, document(split).optimizer().lr(), 0.0,
                "the best loss and the annealed rate came back with the checkpoint: " + resumed.describe());
    }

    @Test
    void wordLevelModelTrainsEvaluatesAndSamples() throws Exception {
        long seed = TestTexts.freshSeed("wordLevelModelTrainsEvaluatesAndSamples");
        // The last line holds the validation split's end: words no training token has.
        String s = TestTexts.sentences(6000, seed) + "\nunicorns everywhere!\n";
        Path text = dir.resolve("text.txt");
        Files.writeString(text, s);
        Path out = dir.resolve("words");
        Cli.Result r = train(text, out, seed, "--steps", "40", "--tokens", "words", "--optimizer", "sgd", "--lr", "2",
                "--eval-every", "10", "--max-vocab", "40");

        CheckpointDocument d = document(out);
        List<String> words = Arrays.asList(d.model().words());
        String why = "seed " + seed + "\n" + r.describe();
        assertEquals("words", d.model().tokens());
        assertEquals(List.of("<eos>", "<unk>"), words.subList(0, 2), why);
        assertTrue(words.containsAll(List.of("the", "cat", "moon", ".")) && !words.contains("unicorns")
                && !words.contains("everywhere"), "the vocabulary is the training split's: " + words);
        assertEquals(1, d.model().minCount());
        assertEquals(40, d.model().maxVocab());
        assertEquals(words.size(), d.model().vocabSize());
        assertTrue(r.err().contains("vocabulary " + words.size() + " words") && r.err().contains("nats/token"), why);

        double uniform = Math.log(words.size());
        double[][] val = d.history().validation();
        assertTrue(val[val.length - 1][1] < uniform - 1.0, "validation loss below the uniform guess ln V = " + uniform + "; " + why);
        Matcher headline = Pattern.compile("validation \\(whole split\\): perplexity ([0-9.]+) per token \\(loss ([0-9.]+)"
                + " nats/token\\) over \\d+ tokens").matcher(r.out());
        assertTrue(headline.find(), why);
        assertEquals(Math.exp(Double.parseDouble(headline.group(2))), Double.parseDouble(headline.group(1)), 1e-2, why);
        assertFalse(r.out().contains("bits/char") || r.out().contains("nats/char"), why);

        String sampled = sample(r);
        // As printed, with the line's end: stripping trailing whitespace would also strip a
        // generated <eos> (a line break) at the very end and lose a token.
        assertTrue(sampled.endsWith("\n"), "the sample ends its line: " + sampled);
        List<String> tokens = WordTokenizer.tokens(sampled);
        assertEquals(1 + 40 + 1, tokens.size(), "the default prime <eos>, 40 tokens, the end of line: " + sampled);
        assertTrue(words.containsAll(tokens), "words from the vocabulary only: " + sampled);

        Cli.Result eval = Cli.run("eval", "--checkpoint", out.toString(), "--text", text.toString(), "--device", "cpu");
        assertEquals(0, eval.code(), eval.describe());
        assertTrue(eval.out().matches("perplexity [0-9.]+ per token \\(loss [0-9.]+ nats/token\\) over \\d+ tokens\\R"),
                eval.describe());
        Cli.Result again = Cli.run("sample", "--checkpoint", out.toString(), "--length", "40", "--device", "cpu");
        assertEquals(sampled, again.out(), "sample continues the checkpoint's random state");
        Cli.Result primed = Cli.run("sample", "--checkpoint", out.toString(), "--prime", "the old zebra", "--length", "5",
                "--seed", "1", "--device", "cpu");
        assertEquals(0, primed.code(), primed.describe());
        assertTrue(primed.out().startsWith("the old <unk>"), "an unknown word in the prime is <unk>: " + primed.describe());
    }

    @Test
    void evalAndSampleReadTheCheckpoint() throws Exception {
        long seed = TestTexts.freshSeed("evalAndSampleReadTheCheckpoint");
        String s = TestTexts.sentences(3000, seed);
        Path text = dir.resolve("text.txt");
        Files.writeString(text, s);
        Path out = dir.resolve("run");
        Cli.Result trained = train(text, out, seed, "--steps", "15");

        // The validation split alone, evaluated with the checkpoint's layout, gives the figure training printed.
        Path validation = dir.resolve("validation.txt");
        Files.writeString(validation, s.substring(s.length() - (int) Math.floor(s.length() * 0.1)));
        Cli.Result eval = Cli.run("eval", "--checkpoint", out.toString(), "--text", validation.toString(), "--device", "cpu");
        assertEquals(0, eval.code(), eval.describe());
        assertEquals(loss(trained, "validation (whole split)"), loss(eval, "nats/char"), 0.0, eval.describe());
        assertTrue(eval.out().startsWith("perplexity ") && eval.out().contains(" per char (loss ")
                && eval.out().contains("bits/char"), eval.describe());

        // Without --seed, sample continues the checkpoint's random state: the sample printed after training.
        Cli.Result again = Cli.run("sample", "--checkpoint", out.toString(), "--length", "40", "--device", "cpu");
        assertEquals(0, again.code(), again.describe());
        assertEquals(sample(trained), again.out());

        Cli.Result a = Cli.run("sample", "--checkpoint", out.toString(), "--prime", "the ", "--length", "60", "--seed", "3",
                "--temperature", "0.5", "--device", "cpu");
        Cli.Result b = Cli.run("sample", "--checkpoint", out.toString(), "--prime", "the ", "--length", "60", "--seed", "3",
                "--temperature", "0.5", "--device", "cpu");
        Cli.Result c = Cli.run("sample", "--checkpoint", out.toString(), "--prime", "the ", "--length", "60", "--seed", "4",
                "--temperature", "0.5", "--device", "cpu");
        assertEquals(0, a.code(), a.describe());
        assertEquals(a.out(), b.out(), "same seed, same sample");
        assertNotEquals(a.out(), c.out(), "another seed, another sample");
        assertTrue(a.out().startsWith("the "), a.describe());
        assertEquals(4 + 60 + System.lineSeparator().length(), a.out().codePointCount(0, a.out().length()), a.describe());
    }

    @Test
    void epochsWithoutValidation() throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(1000, 5));
        Path out = dir.resolve("epochs");
        Cli.Result r = train(text, out, 5, "--epochs", "2", "--val-fraction", "0");
        CheckpointDocument d = document(out);
        // 1000 characters in 4 streams of 250: (250 - 1) / 12 = 20 steps per epoch.
        assertEquals(40, d.step(), r.describe());
        assertEquals(1, d.data().epoch(), "the second pass (from 0) is the current one: " + r.describe());
        assertTrue(r.out().contains("(2.00 epochs in all)"), r.describe());
        assertEquals(0, d.history().validation().length);
        assertTrue(r.out().contains("no validation split"), r.describe());
        assertEquals(text.toAbsolutePath().toString(), d.data().source(), "the checkpoint records where the text is");
    }

    @Test
    void trainsOnTheBundledCorpusWithoutText() throws Exception {
        Path out = dir.resolve("bundled");
        Cli.Result r = Cli.run("train", "--out", out.toString(), "--steps", "2", "--embed", "4", "--hidden", "8",
                "--seq", "8", "--batch", "2", "--sample-length", "0", "--device", "cpu");
        assertEquals(0, r.code(), r.describe());
        assertEquals(TextLoader.BUNDLED, document(out).data().source());
    }

    @Test
    void learnsTinyShakespeare() throws Exception {
        Path corpus = Path.of("..", "..", "shared", "corpora", "tinyshakespeare.txt");
        Assumptions.assumeTrue(Files.isRegularFile(corpus),
                "skipped: " + corpus.toAbsolutePath().normalize() + " is absent (CI has ../shared beside the clone)");
        Path out = dir.resolve("shakespeare");
        Cli.Result r = Cli.run("train", "--text", corpus.toString(), "--out", out.toString(), "--steps", "50",
                "--embed", "16", "--hidden", "64", "--seq", "32", "--batch", "16", "--eval-every", "25", "--val-chunks", "8",
                "--sample-length", "0", "--device", "cpu");
        assertEquals(0, r.code(), r.describe());
        double uniform = Math.log(65);
        double whole = loss(r, "validation (whole split)");
        assertTrue(whole < uniform - 1.0, "validation " + whole + " vs ln 65 = " + uniform + "\n" + r.describe());
    }
}
