package dev.wick.lm.train;

import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.checkpoint.StoredF32;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.data.CharVocabulary;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final CheckpointDocument.Settings SETTINGS = new CheckpointDocument.Settings(100, 10, 0, 50, 0);

    private static Trainer trainer(Engine engine, String s, TrainConfig config) {
        CorpusText text = new CorpusText("test", s.codePoints().toArray());
        CharVocabulary v = CharVocabulary.of(text.codePoints());
        return new Trainer(engine, config, v, text, v.encode(text.codePoints(), "test"), DataSplit.of(text.length(), config));
    }

    @Test
    void aStepLeavesNothingBehind() {
        long seed = TestTexts.freshSeed("aStepLeavesNothingBehind");
        try (Engine engine = Wick.cpu();
             Trainer t = trainer(engine, TestTexts.sentences(1200, seed), new TrainConfig(5, 9, 7, 3, 1e-2, 1.0, seed, 0.2))) {
            long before = engine.memoryStats().bytesInUse();
            for (int i = 0; i < 5; i++) {
                t.step();
                assertEquals(before, engine.memoryStats().bytesInUse(), "bytes in use after step " + (i + 1) + ", seed " + seed);
            }
            t.validate(0);
            Sampler.generate(t.model(), new int[]{0, 1}, 20, 1.0, t.rng());
            assertEquals(before, engine.memoryStats().bytesInUse(), "after validation and sampling, seed " + seed);
        }
    }

    /** A step whose loss or gradient is not finite throws before the update: the parameters stay as they were. */
    @Test
    void aDivergingStepThrowsBeforeItUpdates() {
        for (double clip : new double[]{0, 1}) {
            try (Engine engine = Wick.cpu();
                 Trainer t = trainer(engine, TestTexts.sentences(600, 4), new TrainConfig(4, 6, 5, 2, 1e39, clip, 3, 0))) {
                t.step(); // finite loss from the initial weights; the update makes them infinite
                Checkpoint before = t.snapshot(SETTINGS);
                Divergence d = assertThrows(Divergence.class, t::step);
                assertEquals(2, d.step());
                assertTrue(d.getMessage().startsWith(clip > 0 ? "the " : "the loss is "), d.getMessage());
                assertEquals(1, t.stepCount());
                Checkpoint after = t.snapshot(SETTINGS);
                for (String name : before.weights().keySet()) {
                    assertTrue(StoredF32.bitEqual(before.weights().get(name), after.weights().get(name)), name + ", clip " + clip);
                }
            }
        }
    }

    @Test
    void epochsWrapAroundTheStreams() {
        // 100 characters, 20 held out: 4 streams of 20, chunks of 6 -> (20 - 1) / 6 = 3 steps per epoch.
        try (Engine engine = Wick.cpu();
             Trainer t = trainer(engine, TestTexts.sentences(100, 1), new TrainConfig(4, 6, 6, 4, 1e-2, 0, 1, 0.2))) {
            assertEquals(3, t.stepsPerEpoch());
            for (int i = 0; i < 7; i++) t.step();
            assertEquals(2, t.epoch());
            CheckpointDocument.Data d = t.snapshot(SETTINGS).document().data();
            assertEquals(6, d.position(), "step 7 is the first of epoch 2: it read positions 0..5");
            assertEquals(20, d.streamLength());
        }
    }

    @Test
    void theHiddenStateIsCarriedFromChunkToChunk() {
        try (Engine engine = Wick.cpu();
             Trainer t = trainer(engine, TestTexts.sentences(600, 2), new TrainConfig(4, 6, 5, 2, 1e-2, 0, 3, 0))) {
            Checkpoint start = t.snapshot(SETTINGS);
            float[] zero = start.state().get(Checkpoint.HIDDEN_TENSOR).toFloatArray();
            for (float f : zero) assertEquals(0f, f);
            t.step();
            float[] carried = t.snapshot(SETTINGS).state().get(Checkpoint.HIDDEN_TENSOR).toFloatArray();
            assertNotEquals(0f, carried[0], "the last hidden state of the chunk is kept for the next one");
            for (float f : carried) assertTrue(Math.abs(f) < 1, "a tanh state lies in (-1, 1)");
        }
    }

    @Test
    void refusesATextShorterThanOneBatch() {
        try (Engine engine = Wick.cpu()) {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> trainer(engine, "abcdefghij", new TrainConfig(4, 6, 5, 2, 1e-2, 0, 3, 0))).getMessage();
            assertTrue(m.contains("--batch 2 x (--seq 5 + 1) = 12"), m);
            m = assertThrows(IllegalArgumentException.class,
                    () -> DataSplit.of(100, new TrainConfig(4, 6, 5, 2, 1e-2, 0, 3, 0.01))).getMessage();
            assertTrue(m.contains("validation split is too small"), m);
            assertEquals(new DataSplit(100, 90, 10), DataSplit.of(100, new TrainConfig(4, 6, 5, 2, 1e-2, 0, 3, 0.1)));
        }
    }

    @Test
    void aValidationThatDoesNotImproveDividesTheLearningRate() {
        TrainConfig sgd = new TrainConfig(4, 6, 5, 2, 8.0, 0.25, 3, 0.2, OptimizerKind.SGD, 4, Tokenization.CHARACTERS);
        try (Engine engine = Wick.cpu(); Trainer t = trainer(engine, TestTexts.sentences(300, 2), sgd)) {
            double[] losses = {3.0, 3.5, 2.0, 2.0, 1.0, Double.NaN};
            boolean[] annealed = {false, true, false, true, false, true};
            double[] lr = {8.0, 2.0, 2.0, 0.5, 0.5, 0.125};
            for (int i = 0; i < losses.length; i++) {
                assertEquals(annealed[i], t.recordValidation(new Evaluation(losses[i], 10)), "validation " + i);
                assertEquals(lr[i], t.learningRate(), 0.0, "after validation " + i + ": equal to the best is no improvement");
            }
            assertEquals(1.0, t.bestValidation());
            CheckpointDocument.Optimizer saved = t.snapshot(SETTINGS).document().optimizer();
            assertEquals(0.125, saved.lr());
            assertEquals(1.0, saved.bestValidation());
        }
        TrainConfig adam = new TrainConfig(4, 6, 5, 2, 1e-2, 0, 3, 0.2);
        try (Engine engine = Wick.cpu(); Trainer t = trainer(engine, TestTexts.sentences(300, 2), adam)) {
            t.recordValidation(new Evaluation(2.0, 10));
            assertFalse(t.recordValidation(new Evaluation(3.0, 10)), "anneal 1, Adam's default, keeps the rate");
            assertEquals(1e-2, t.learningRate());
        }
    }

    @Test
    void samplingFollowsTheCumulativeDistribution() {
        float[] logits = {0f, (float) Math.log(3)}; // probabilities 1/4, 3/4
        assertEquals(0, Sampler.draw(logits, 1.0, 0.0));
        assertEquals(0, Sampler.draw(logits, 1.0, 0.2499));
        assertEquals(1, Sampler.draw(logits, 1.0, 0.2501));
        assertEquals(1, Sampler.draw(logits, 1.0, 0.9999999));
        // Temperature 0.5 squares the odds: 1/10 and 9/10.
        assertEquals(0, Sampler.draw(logits, 0.5, 0.0999));
        assertEquals(1, Sampler.draw(logits, 0.5, 0.1001));
    }
}
