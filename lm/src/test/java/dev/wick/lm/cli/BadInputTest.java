package dev.wick.lm.cli;

import dev.wick.core.Wick;
import dev.wick.lm.Cli;
import dev.wick.lm.Folders;
import dev.wick.lm.Refusals;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.CheckpointStore;
import dev.wick.lm.checkpoint.Reseal;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input gets exit code 2, exactly one line on stderr that says what is wrong, and
 * leaves the output folder as it was (not created when it did not exist).
 */
class BadInputTest {
    private static final String[] SMALL = {"--embed", "8", "--hidden", "16", "--seq", "8", "--batch", "3",
            "--eval-every", "3", "--sample-length", "0"};

    @TempDir
    static Path shared;
    /** A trained checkpoint (6 steps) and the text it was trained on; tests copy it before they change anything. */
    private static Path trained;
    /** The same, word-level, with SGD. */
    private static Path trainedWords;
    private static Path text;

    @TempDir
    Path dir;
    private Path out;
    private Path existing;

    @BeforeAll
    static void trainOnce() throws IOException {
        text = shared.resolve("text.txt");
        Files.writeString(text, TestTexts.sentences(2000, 11));
        trained = shared.resolve("trained");
        Cli.Result r = train("--text", text.toString(), "--out", trained.toString(), "--steps", "6");
        assertEquals(0, r.code(), r.describe());
        trainedWords = shared.resolve("trained-words");
        r = train("--text", text.toString(), "--out", trainedWords.toString(), "--steps", "6", "--tokens", "words",
                "--optimizer", "sgd", "--max-vocab", "20");
        assertEquals(0, r.code(), r.describe());
    }

    @BeforeEach
    void folders() throws IOException {
        out = dir.resolve("new-run");
        existing = dir.resolve("existing");
        Files.createDirectories(existing);
        Files.writeString(existing.resolve("notes.txt"), "mine");
    }

    private static Cli.Result train(String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(Arrays.asList(SMALL));
        all.addAll(Arrays.asList(args));
        if (!all.contains("--device")) all.addAll(List.of("--device", "cpu"));
        return Cli.run(all.toArray(String[]::new));
    }

    /** Runs the command against both output folders (a new one and one with a file in it) and checks the refusal. */
    private void assertTrainRefused(String expected, String... args) throws IOException {
        for (Path folder : List.of(out, existing)) {
            List<String> all = new ArrayList<>(Arrays.asList(args));
            all.addAll(List.of("--out", folder.toString()));
            assertRefused(expected, folder, () -> train(all.toArray(String[]::new)));
        }
    }

    private static void assertRefused(String expected, Path folder, java.util.function.Supplier<Cli.Result> command)
            throws IOException {
        Refusals.assertRefused(expected, folder, command);
    }

    @Test
    void missingFile() throws IOException {
        assertTrainRefused("no such file or directory", "--text", dir.resolve("nope.txt").toString());
    }

    @Test
    void unreadableFile() throws IOException {
        Path f = dir.resolve("secret.txt");
        Files.writeString(f, TestTexts.sentences(2000, 1));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        Assumptions.assumeFalse(Files.isReadable(f), "skipped: this user (root?) can read a file with no permissions");
        assertTrainRefused("permission denied", "--text", f.toString());
    }

    @Test
    void emptyText() throws IOException {
        Path f = dir.resolve("empty.txt");
        Files.write(f, new byte[0]);
        assertTrainRefused("the text is empty", "--text", f.toString());
    }

    @Test
    void directoryWithoutText() throws IOException {
        Path d = Files.createDirectories(dir.resolve("binaries"));
        Files.write(d.resolve("a.bin"), new byte[]{1, 0, 2});
        assertTrainRefused("holds no text files", "--text", d.toString());
    }

    @Test
    void textShorterThanOneBatch() throws IOException {
        Path f = dir.resolve("short.txt");
        Files.writeString(f, "a short text: 26 letters..");
        // 26 characters, 2 held out: 24 < 3 x (8 + 1).
        assertTrainRefused("the text is too short: 24 training characters", "--text", f.toString());
    }

    @Test
    void cudaWithoutGpu() throws IOException {
        Assumptions.assumeFalse(Wick.cudaAvailability().available(), "skipped: this machine has a usable GPU");
        assertTrainRefused("--device cuda", "--text", text.toString(), "--device", "cuda");
    }

    @Test
    void unknownDevice() throws IOException {
        assertTrainRefused("--device tpu", "--text", text.toString(), "--device", "tpu");
    }

    @ParameterizedTest
    @CsvSource({"--embed,0", "--hidden,-1", "--seq,0", "--batch,-2", "--steps,0", "--epochs,0", "--eval-every,0",
            "--checkpoint-every,-1", "--lr,0", "--lr,-0.1", "--clip,-1", "--val-fraction,1", "--val-fraction,-0.1",
            "--sample-length,-1", "--val-chunks,-1", "--embed,abc", "--steps,1e3", "--tokens,bogus", "--tokens,Words",
            "--optimizer,bogus", "--anneal,0.5", "--anneal,-1", "--lr,Infinity", "--cell,lstmm", "--cell,LSTM",
            "--layers,0", "--layers,-3", "--dropout,1", "--dropout,-0.1", "--dropout,NaN"})
    void badSize(String option, String value) throws IOException {
        assertTrainRefused(option, "--text", text.toString(), option, value);
    }

    @Test
    void badWordOptions() throws IOException {
        assertTrainRefused("--min-count must be >= 1, got 0", "--text", text.toString(), "--tokens", "words", "--min-count", "0");
        assertTrainRefused("--max-vocab must be >= 3 (<eos>, <unk> and at least one word), got 1", "--text", text.toString(),
                "--tokens", "words", "--max-vocab", "1");
        assertTrainRefused("--min-count applies to --tokens words only", "--text", text.toString(), "--min-count", "2");
        assertTrainRefused("--max-vocab applies to --tokens words only", "--text", text.toString(), "--tokens", "chars",
                "--max-vocab", "50");
    }

    @Test
    void tiedWeightsNeedEqualSizes() throws IOException {
        assertTrainRefused("--tie-weights needs --embed equal to --hidden (got 8 and 16)", "--text", text.toString(),
                "--tie-weights");
    }

    @Test
    void aSparseEmbeddingCannotBeTied() throws IOException {
        assertRefused("--sparse-embedding and --tie-weights exclude each other", out, () -> Cli.run("train", "--text",
                text.toString(), "--out", out.toString(), "--embed", "8", "--hidden", "8", "--tie-weights",
                "--sparse-embedding", "--device", "cpu"));
    }

    @Test
    void resumingWithAnotherModelIsRefused() throws IOException {
        assertRefused("--cell lstm differs from the checkpoint's tanh", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--cell", "lstm"));
        assertRefused("--layers 2 differs from the checkpoint's 1", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--layers", "2"));
        assertRefused("--sparse-embedding true differs from the checkpoint's false", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--sparse-embedding"));
        assertRefused("--dropout 0.5 differs from the checkpoint's 0.0", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--dropout", "0.5"));
        // The checkpoint's sizes (8, 16) cannot be tied: the options are checked before the checkpoint.
        assertRefused("--tie-weights needs --embed equal to --hidden (got 8 and 16)", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--tie-weights"));
    }

    @Test
    void wordTextShorterThanOneBatch() throws IOException {
        Path f = dir.resolve("short.txt");
        Files.writeString(f, "a text of many characters but few words: antidisestablishmentarianism, floccinaucinihilipilification.");
        // 13 tokens, 1 held out: 12 < 3 x (8 + 1).
        assertTrainRefused("the text is too short: 12 training tokens", "--text", f.toString(), "--tokens", "words");
    }

    @Test
    void stepsAndEpochsTogether() throws IOException {
        assertTrainRefused("not both", "--text", text.toString(), "--steps", "5", "--epochs", "1");
    }

    @Test
    void missingOutAndUnknownOption() throws IOException {
        assertRefused("--out", out, () -> train("--text", text.toString()));
        assertRefused("--frobnicate", out, () -> train("--text", text.toString(), "--out", out.toString(), "--frobnicate"));
        assertRefused("subcommand", out, () -> Cli.run());
    }

    @Test
    void outIsAFile() throws IOException {
        Path f = dir.resolve("a-file");
        Files.writeString(f, "x");
        assertRefused("not a folder", f.getParent(), () -> train("--text", text.toString(), "--out", f.toString()));
    }

    private Path copyOf(Path checkpoint) throws IOException {
        return Folders.copyFiles(checkpoint, dir.resolve("copy"));
    }

    @Test
    void trainingIntoACheckpointNeedsResume() throws IOException {
        assertRefused("already holds a checkpoint", trained,
                () -> train("--text", text.toString(), "--out", trained.toString(), "--steps", "8"));
    }

    @Test
    void resumeNeedsACheckpoint() throws IOException {
        assertTrainRefused("holds no checkpoint", "--text", text.toString(), "--resume");
    }

    @Test
    void resumeRefusesOtherHyperparametersOrTextOrNothingToDo() throws IOException {
        assertRefused("--hidden 32 differs from the checkpoint's 16", trained,
                () -> Cli.run("train", "--out", trained.toString(), "--resume", "--steps", "8", "--hidden", "32"));
        Path other = dir.resolve("other.txt");
        Files.writeString(other, TestTexts.sentences(2000, 12));
        assertRefused("is not the one the checkpoint was trained on", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--text", other.toString()));
        assertRefused("at step 6 already", trained, () -> train("--out", trained.toString(), "--resume"));
    }

    @Test
    void resumeRefusesOtherTokensOrOptimizer() throws IOException {
        assertRefused("--tokens words differs from the checkpoint's chars", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--tokens", "words"));
        assertRefused("--optimizer sgd differs from the checkpoint's adam", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--optimizer", "sgd"));
        assertRefused("--anneal 4.0 differs from the checkpoint's 1.0", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--anneal", "4"));
        assertRefused("--min-count applies to --tokens words only", trained,
                () -> train("--out", trained.toString(), "--resume", "--steps", "8", "--min-count", "1"));
        assertRefused("--tokens chars differs from the checkpoint's words", trainedWords,
                () -> train("--out", trainedWords.toString(), "--resume", "--steps", "8", "--tokens", "chars"));
        assertRefused("--max-vocab 30 differs from the checkpoint's 20", trainedWords,
                () -> train("--out", trainedWords.toString(), "--resume", "--steps", "8", "--max-vocab", "30"));
        assertRefused("--min-count 2 differs from the checkpoint's 1", trainedWords,
                () -> train("--out", trainedWords.toString(), "--resume", "--steps", "8", "--min-count", "2"));
        assertRefused("--lr 0.002 differs from the checkpoint's 20.0", trainedWords,
                () -> train("--out", trainedWords.toString(), "--resume", "--steps", "8", "--lr", "2e-3"));
    }

    @Test
    void aDamagedWordVocabularyIsRefused() throws IOException {
        Path copy = copyOf(trainedWords);
        Path index = copy.resolve(CheckpointStore.INDEX);
        String json = Files.readString(index);
        Files.writeString(index, json.replaceFirst("\"<unk>\"", "\"<eos>\""));
        assertRefused("must start with <eos> and <unk>", copy, () -> Cli.run("sample", "--checkpoint", copy.toString(),
                "--device", "cpu"));
        Files.writeString(index, json.replaceFirst("\"tokens\": \"words\"", "\"tokens\": \"chars\""));
        assertRefused("a vocabulary of the other kind of tokens", copy, () -> Cli.run("eval", "--checkpoint", copy.toString(),
                "--text", text.toString(), "--device", "cpu"));
        Files.writeString(index, json.replaceFirst("\"tokens\": \"words\"", "\"tokens\": \"bytes\""));
        assertRefused("--tokens must be chars or words, got bytes", copy,
                () -> train("--out", copy.toString(), "--resume", "--steps", "8"));
    }

    @Test
    void aModelDescriptionWithoutItsCellOrWithAnUnknownOneIsRefused() throws IOException {
        Path copy = copyOf(trained);
        Path index = copy.resolve(CheckpointStore.INDEX);
        String json = Files.readString(index);
        assertTrue(json.contains("\"cell\": \"tanh\""), json);
        Files.writeString(index, json.replaceFirst("\"cell\": \"tanh\",", ""));
        assertRefused("'model.cell' is missing", copy, () -> Cli.run("eval", "--checkpoint", copy.toString(),
                "--text", text.toString(), "--device", "cpu"));
        Files.writeString(index, json.replaceFirst("\"cell\": \"tanh\"", "\"cell\": \"rnn\""));
        assertRefused("--cell must be tanh, lstm or gru, got rnn", copy,
                () -> Cli.run("sample", "--checkpoint", copy.toString(), "--device", "cpu"));
        Files.writeString(index, json.replaceFirst("\"layers\": 1", "\"layers\": 2"));
        assertRefused("do not match its SHA-256", copy,
                () -> Cli.run("sample", "--checkpoint", copy.toString(), "--device", "cpu"));
        Reseal.document(index);
        assertRefused("lacks tensor 'rnn.weight_ih_l1'", copy,
                () -> Cli.run("sample", "--checkpoint", copy.toString(), "--device", "cpu"));
    }

    @Test
    void wordPromptsAndTexts() throws IOException {
        assertRefused("--prime holds no tokens", trainedWords,
                () -> Cli.run("sample", "--checkpoint", trainedWords.toString(), "--prime", " \t ", "--device", "cpu"));
        Path f = dir.resolve("eval.txt");
        Files.writeString(f, "zebra");
        assertRefused("at least 2 tokens are needed, it has 1", trainedWords,
                () -> Cli.run("eval", "--checkpoint", trainedWords.toString(), "--text", f.toString(), "--device", "cpu"));
    }

    @Test
    void corruptedCheckpointIsRefusedByEveryCommand() throws IOException {
        Path copy = copyOf(trained);
        Path weights;
        try (Stream<Path> files = Files.list(copy)) {
            weights = files.filter(f -> f.getFileName().toString().startsWith("model-")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 7));
        assertRefused("truncated", copy, () -> train("--out", copy.toString(), "--resume", "--steps", "8"));
        assertRefused("truncated", copy, () -> Cli.run("eval", "--checkpoint", copy.toString(), "--text", text.toString(),
                "--device", "cpu"));
        assertRefused("truncated", copy, () -> Cli.run("sample", "--checkpoint", copy.toString(), "--device", "cpu"));
        Files.writeString(copy.resolve(CheckpointStore.INDEX), "{\"format\": \"wick-lm checkpoint\", \"vers");
        assertRefused("not valid JSON (corrupted or truncated)", copy,
                () -> Cli.run("sample", "--checkpoint", copy.toString(), "--device", "cpu"));
        assertRefused("no checkpoint", dir, () -> Cli.run("sample", "--checkpoint", dir.toString(), "--device", "cpu"));
    }

    @Test
    void primeOutsideTheVocabulary() throws IOException {
        assertRefused("'Z' (U+005A) at position 2, which is not in the model's vocabulary", trained,
                () -> Cli.run("sample", "--checkpoint", trained.toString(), "--prime", "thZ", "--device", "cpu"));
        assertRefused("--prime must not be empty", trained,
                () -> Cli.run("sample", "--checkpoint", trained.toString(), "--prime", "", "--device", "cpu"));
        assertRefused("--length must be > 0", trained,
                () -> Cli.run("sample", "--checkpoint", trained.toString(), "--length", "0", "--device", "cpu"));
        assertRefused("--temperature must be > 0", trained,
                () -> Cli.run("sample", "--checkpoint", trained.toString(), "--temperature", "0", "--device", "cpu"));
    }

    @Test
    void evalTextOutsideTheVocabularyOrTooShort() throws IOException {
        Path f = dir.resolve("eval.txt");
        Files.writeString(f, "the cat sees Q");
        assertRefused("'Q' (U+0051) at position 13", trained,
                () -> Cli.run("eval", "--checkpoint", trained.toString(), "--text", f.toString(), "--device", "cpu"));
        Files.writeString(f, "t");
        assertRefused("at least 2 characters", trained,
                () -> Cli.run("eval", "--checkpoint", trained.toString(), "--text", f.toString(), "--device", "cpu"));
        assertRefused("--batch must be > 0", trained,
                () -> Cli.run("eval", "--checkpoint", trained.toString(), "--text", text.toString(), "--batch", "0"));
    }

    @Test
    void invalidUtf8IsOneWarningAndTrainingGoesOn() throws IOException {
        Path f = dir.resolve("latin1.txt");
        byte[] good = TestTexts.sentences(2000, 5).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        good[100] = (byte) 0xE9; // a Latin-1 'é': not UTF-8
        Files.write(f, good);
        Cli.Result r = train("--text", f.toString(), "--out", out.toString(), "--steps", "3");
        assertEquals(0, r.code(), r.describe());
        List<String> warnings = r.errLines().stream().filter(l -> l.contains("UTF-8")).toList();
        assertEquals(1, warnings.size(), r.describe());
        assertTrue(warnings.get(0).startsWith("warning: ") && warnings.get(0).contains("offset 100"), r.describe());
        assertFalse(r.err().contains("Exception"), r.describe());
        assertTrue(CheckpointStore.exists(out));
    }
}
