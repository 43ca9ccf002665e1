package dev.wick.lm.checkpoint;

import dev.wick.autograd.nn.LanguageModel;
import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import dev.wick.core.io.Safetensors;
import dev.wick.core.io.StoredDType;
import dev.wick.core.io.StoredTensor;
import dev.wick.lm.TestTexts;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Sha256;
import dev.wick.lm.data.CharVocabulary;
import dev.wick.lm.data.TokenKind;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.data.WordVocabulary;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.train.DataSplit;
import dev.wick.lm.train.Evaluation;
import dev.wick.lm.train.OptimizerKind;
import dev.wick.lm.train.TrainConfig;
import dev.wick.lm.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointStoreTest {
    private static final CheckpointDocument.Settings SETTINGS = new CheckpointDocument.Settings(10, 5, 2, 5, 0);
    private static Engine engine;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        engine = Wick.cpu();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** A trainer a few steps in, so every part of the state (moments, hidden, position, history) is non-trivial. */
    private static Trainer trainer(long seed, int steps) {
        String s = TestTexts.sentences(1500, seed);
        CorpusText text = new CorpusText("test", s.codePoints().toArray());
        CharVocabulary v = CharVocabulary.of(text.codePoints());
        TrainConfig config = new TrainConfig(6, 10, 7, 3, 1e-2, 1.0, seed, 0.1);
        Trainer t = new Trainer(engine, config, v, text, v.encode(text.codePoints(), "test"),
                DataSplit.of(text.length(), config));
        for (int i = 0; i < steps; i++) t.step();
        t.recordValidation(t.validate(2));
        return t;
    }

    private Checkpoint save(Trainer t) throws IOException {
        Checkpoint c = t.snapshot(SETTINGS);
        CheckpointStore.save(dir, c.document(), c.weights(), c.state());
        return c;
    }

    @Test
    void roundTripIsBitExact() throws Exception {
        long seed = TestTexts.freshSeed("roundTripIsBitExact");
        try (Trainer t = trainer(seed, 4)) {
            Checkpoint saved = save(t);
            Checkpoint back = CheckpointStore.load(dir, true);
            assertBitEqual(saved.weights(), back.weights(), seed);
            assertBitEqual(saved.state(), back.state(), seed);
            CheckpointDocument a = saved.document(), b = back.document();
            assertEquals(4, b.step());
            assertEquals(a.training(), b.training());
            assertEquals(a.settings(), b.settings());
            assertEquals(a.optimizer(), b.optimizer());
            assertEquals(a.random(), b.random());
            assertArrayEquals(a.model().vocabulary(), b.model().vocabulary());
            assertEquals(a.data().position(), b.data().position());
            assertArrayEquals(a.data().streamOffsets(), b.data().streamOffsets());
            assertTrue(Arrays.deepEquals(a.history().training(), b.history().training()));
            assertTrue(Arrays.deepEquals(a.history().validation(), b.history().validation()));
            assertNull(CheckpointStore.load(dir, false).state(), "inference loads no optimizer state");
        }
    }

    @Test
    void wordsAndSgdRoundTrip() throws Exception {
        long seed = TestTexts.freshSeed("wordsAndSgdRoundTrip");
        CorpusText text = new CorpusText("test", TestTexts.sentences(3000, seed).codePoints().toArray());
        TrainConfig config = new TrainConfig(6, 10, 7, 3, 5.0, 0.25, seed, 0.1, OptimizerKind.SGD, 4,
                new Tokenization(TokenKind.WORDS, 2, 12));
        Tokenization.EncodedText encoded = config.tokenization().encodeForTraining(text.codePoints(),
                n -> DataSplit.of(n, config).trainTokens());
        try (Trainer t = new Trainer(engine, config, encoded.vocabulary(), text, encoded.ids(),
                DataSplit.of(encoded.ids().length(), config))) {
            for (int i = 0; i < 3; i++) t.step();
            t.recordValidation(t.validate(2));
            t.step();
            t.recordValidation(new Evaluation(99, 1)); // no improvement: lr 5 -> 1.25
            Checkpoint saved = save(t);
            Checkpoint back = CheckpointStore.load(dir, true);
            assertBitEqual(saved.weights(), back.weights(), seed);
            assertEquals(List.of(Checkpoint.HIDDEN_TENSOR), List.copyOf(back.state().keySet()), "plain SGD keeps no tensors");
            CheckpointDocument.Model m = back.document().model();
            assertEquals("words", m.tokens());
            assertEquals(12, m.words().length);
            assertEquals(2, m.minCount());
            assertEquals(12, m.maxVocab());
            assertArrayEquals(((WordVocabulary) encoded.vocabulary()).words(), m.words());
            assertEquals(config.tokenization(), m.tokenization());
            assertEquals(saved.document().optimizer(), back.document().optimizer());
            assertEquals(1.25, back.document().optimizer().lr());
            assertEquals(4.0, back.document().training().anneal());
        }
    }

    /**
     * The weights file is the model's state dict: the library's own loader reads it into a freshly
     * initialised model of the same shape, and the values come back bit for bit.
     */
    @Test
    void theWeightsFileLoadsAsTheModelsStateDict() throws Exception {
        long seed = TestTexts.freshSeed("theWeightsFileLoadsAsTheModelsStateDict");
        String s = TestTexts.sentences(1500, seed);
        CorpusText text = new CorpusText("test", s.codePoints().toArray());
        CharVocabulary v = CharVocabulary.of(text.codePoints());
        for (ModelChoice choice : List.of(ModelChoice.CHAR_RNN, ModelChoice.of(Cell.GRU, 2, 0.0, true, false),
                ModelChoice.of(Cell.LSTM, 1, 0.0, false, false))) {
            TrainConfig config = new TrainConfig(8, 8, 7, 3, 1e-2, 1.0, seed, 0.1, OptimizerKind.ADAM, 1,
                    Tokenization.CHARACTERS, choice);
            try (Trainer t = new Trainer(engine, config, v, text, v.encode(text.codePoints(), "test"),
                    DataSplit.of(text.length(), config))) {
                t.step();
                save(t);
                try (LanguageModel fresh = t.shape().create(engine, seed + 1)) {
                    fresh.loadStateDict(weightsFile());
                    Map<String, Tensor> want = t.model().stateDict(), got = fresh.stateDict();
                    assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()), choice.toString());
                    want.forEach((name, w) -> assertTrue(StoredF32.bitEqual(StoredTensor.of(w), StoredTensor.of(got.get(name))),
                            name + " of " + choice + ", seed " + seed));
                }
            }
        }
    }

    private static void assertBitEqual(Map<String, StoredTensor> a, Map<String, StoredTensor> b, long seed) {
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
        for (String name : a.keySet()) assertTrue(StoredF32.bitEqual(a.get(name), b.get(name)), name + " differs, seed " + seed);
    }

    @Test
    void aNewSaveReplacesTheOldFilesAndLeftoversOfACrash() throws Exception {
        try (Trainer t = trainer(7, 2)) {
            save(t);
            Files.writeString(dir.resolve(AtomicFiles.TEMP_PREFIX + "model-00000003.safetensors-1.tmp"), "half");
            Files.writeString(dir.resolve("keep-me.txt"), "not ours");
            t.step();
            save(t);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("checkpoint.json", "keep-me.txt", "model-00000003.safetensors", "state-00000003.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(3, CheckpointStore.load(dir, true).document().step());
    }

    @Test
    void aCrashBeforeTheIndexIsReplacedLeavesTheOldCheckpointLoadable() throws Exception {
        try (Trainer t = trainer(8, 2)) {
            save(t);
            // What a crash after writing the next step's tensor files, before checkpoint.json, leaves.
            Files.write(dir.resolve("model-00000003.safetensors"), new byte[]{1, 2, 3});
            Files.writeString(dir.resolve(AtomicFiles.TEMP_PREFIX + "checkpoint.json-ab.tmp"), "{\"step\":");
        }
        Checkpoint c = CheckpointStore.load(dir, true);
        assertEquals(2, c.document().step());
    }

    private String refused(boolean withState) {
        return assertThrows(CheckpointException.class, () -> CheckpointStore.load(dir, withState)).getMessage();
    }

    private Path weightsFile() throws Exception {
        return dir.resolve(CheckpointStore.load(dir, false).document().weights().file());
    }

    @Test
    void refusesMissingTruncatedOrAlteredFiles() throws Exception {
        try (Trainer t = trainer(9, 2)) {
            save(t);
        }
        Path weights = weightsFile();
        byte[] good = Files.readAllBytes(weights);

        Files.write(weights, Arrays.copyOf(good, good.length - 10));
        assertTrue(refused(false).contains("truncated"), refused(false));

        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x40;
        Files.write(weights, flipped);
        assertTrue(refused(false).contains("SHA-256"), refused(false));

        Files.delete(weights);
        assertTrue(refused(false).contains("missing"), refused(false));
        Files.write(weights, good);

        Path index = dir.resolve(CheckpointStore.INDEX);
        String json = Files.readString(index);
        Files.writeString(index, json.substring(0, json.length() / 2));
        assertTrue(refused(false).contains("not valid JSON (corrupted or truncated)"), refused(false));
        Files.writeString(index, json.replace("\"position\": ", "\"position\": -"));
        assertTrue(refused(false).contains("data.position"), refused(false));
        Files.writeString(index, json.replace("\"file\": \"model-", "\"file\": \"../model-"));
        assertTrue(refused(false).contains("weights.file"), refused(false));
        Files.writeString(index, json);
        CheckpointStore.load(dir, true);

        Files.delete(index);
        assertTrue(refused(false).contains("no checkpoint"), refused(false));
        assertFalse(CheckpointStore.exists(dir));
    }

    /** A well-formed file, with a correct digest, that lacks a tensor or holds one of the wrong shape. */
    @Test
    void refusesFilesThatDoNotHoldTheModel() throws Exception {
        try (Trainer t = trainer(10, 1)) {
            save(t);
        }
        Path weights = weightsFile();
        Path index = dir.resolve(CheckpointStore.INDEX);
        String json = Files.readString(index);
        byte[] good = Files.readAllBytes(weights);
        String goodDigest = Sha256.of(good);
        Safetensors.Contents c = Safetensors.decode(good, "w");

        Map<String, StoredTensor> missing = new LinkedHashMap<>(c.tensors());
        missing.remove("rnn.weight_hh");
        rewrite(weights, index, json, goodDigest, Safetensors.encode(missing, c.metadata()));
        assertTrue(refused(false).contains("lacks tensor 'rnn.weight_hh'"), refused(false));

        Map<String, StoredTensor> reshaped = new LinkedHashMap<>(c.tensors());
        float[] bias = reshaped.get("rnn.bias").toFloatArray();
        reshaped.put("rnn.bias", StoredF32.of(new int[]{2, bias.length / 2}, bias));
        rewrite(weights, index, json, goodDigest, Safetensors.encode(reshaped, c.metadata()));
        assertTrue(refused(false).contains("'rnn.bias' has shape [2, 5]"), refused(false));

        Map<String, StoredTensor> extra = new LinkedHashMap<>(c.tensors());
        extra.put("rnn.weight_hh_l0", c.tensors().get("rnn.weight_hh"));
        rewrite(weights, index, json, goodDigest, Safetensors.encode(extra, c.metadata()));
        assertTrue(refused(false).contains("has no use for: [rnn.weight_hh_l0]"), refused(false));

        Map<String, StoredTensor> halves = new LinkedHashMap<>();
        try (Scope s = engine.scope()) {
            c.tensors().forEach((name, t) -> halves.put(name, StoredTensor.of(t.toTensor(engine, name), StoredDType.BF16)));
        }
        rewrite(weights, index, json, goodDigest, Safetensors.encode(halves, c.metadata()));
        assertTrue(refused(false).contains("'embedding.weight' is stored as BF16"), refused(false));
    }

    private static void rewrite(Path weights, Path index, String json, String oldDigest, byte[] bytes) throws IOException {
        Files.write(weights, bytes);
        Files.write(index, json.replace(oldDigest, Sha256.of(bytes)).getBytes(StandardCharsets.UTF_8));
        Reseal.document(index);
    }
}
