package dev.wick.lm.train;

import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.core.Engine;
import dev.wick.core.backend.ScatterMode;
import dev.wick.cuda.TestEngines;
import dev.wick.lm.TestTexts;
import dev.wick.lm.checkpoint.Checkpoint;
import dev.wick.lm.checkpoint.CheckpointDocument;
import dev.wick.lm.checkpoint.StoredF32;
import dev.wick.lm.data.CharVocabulary;
import dev.wick.lm.data.CorpusText;
import dev.wick.lm.data.Tokenization;
import dev.wick.lm.model.ModelChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training steps replayed from a captured CUDA graph against eager steps, on the emulated CUDA
 * backend: the same losses and the same parameters, optimizer state and carried state, bit for bit,
 * across an epoch boundary and an annealed learning rate.
 */
class TrainerGraphTest {
    private static final CheckpointDocument.Settings SETTINGS = new CheckpointDocument.Settings(100, 10, 0, 50, 0);
    private static final int STEPS = 7;

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of(Cell.TANH, 1, OptimizerKind.ADAM, 0.5, 0.0, false),
                Arguments.of(Cell.LSTM, 2, OptimizerKind.SGD, 0.25, 0.3, false),
                Arguments.of(Cell.GRU, 1, OptimizerKind.ADAM, 0.0, 0.2, true),
                Arguments.of(Cell.TANH, 2, OptimizerKind.SGD, 1.0, 0.0, true));
    }

    private static TrainConfig config(Cell cell, int layers, OptimizerKind optimizer, double clip, double dropout,
                                      boolean sparse, long seed) {
        return new TrainConfig(6, 9, 5, 3, optimizer == OptimizerKind.SGD ? 1.0 : 1e-2, clip, seed, 0.2, optimizer, 2,
                Tokenization.CHARACTERS, ModelChoice.of(cell, layers, dropout, false, sparse));
    }

    private static Trainer trainer(Engine engine, String s, TrainConfig config) {
        CorpusText text = new CorpusText("test", s.codePoints().toArray());
        CharVocabulary v = CharVocabulary.of(text.codePoints());
        return new Trainer(engine, config, v, text, v.encode(text.codePoints(), "test"), DataSplit.of(text.length(), config));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void replayedStepsGiveTheEagerStepsBits(Cell cell, int layers, OptimizerKind optimizer, double clip, double dropout,
                                            boolean sparse) {
        long seed = TestTexts.freshSeed("replayedStepsGiveTheEagerStepsBits");
        // Short enough that the steps cross an epoch boundary (the carried state is zeroed between replays).
        String text = TestTexts.sentences(130, seed);
        TrainConfig config = config(cell, layers, optimizer, clip, dropout, sparse, seed);
        Run eager = run(config, text, false);
        Run graphs = run(config, text, true);
        String where = cell + ", " + layers + " layers, " + optimizer + ", clip " + clip + ", dropout " + dropout
                + (sparse ? ", sparse embedding" : "") + ", seed " + seed;
        for (int i = 0; i < STEPS; i++) {
            assertEquals(Double.doubleToRawLongBits(eager.losses[i]), Double.doubleToRawLongBits(graphs.losses[i]),
                    "loss of step " + (i + 1) + ": " + eager.losses[i] + " eagerly, " + graphs.losses[i] + " replayed; " + where);
        }
        assertTrue(eager.epochs > 0, "the steps crossed an epoch boundary; " + where);
        for (String name : eager.checkpoint.weights().keySet()) {
            assertTrue(StoredF32.bitEqual(eager.checkpoint.weights().get(name), graphs.checkpoint.weights().get(name)),
                    name + "; " + where);
        }
        for (String name : eager.checkpoint.state().keySet()) {
            assertTrue(StoredF32.bitEqual(eager.checkpoint.state().get(name), graphs.checkpoint.state().get(name)),
                    name + "; " + where);
        }
        assertEquals(eager.lr, graphs.lr, where);
    }

    private record Run(double[] losses, Checkpoint checkpoint, int epochs, double lr) {
    }

    private static Run run(TrainConfig config, String text, boolean graphs) {
        try (Engine engine = TestEngines.emulatedCuda().open();
             Trainer t = trainer(engine, text, config)) {
            engine.setScatterMode(ScatterMode.DETERMINISTIC); // atomics add in any order; the comparison wants bits
            String mode = t.useGraphs(graphs);
            assertEquals(graphs, t.usesGraphs(), mode);
            double[] losses = new double[STEPS];
            long driverAllocations = -1;
            for (int i = 0; i < STEPS; i++) {
                if (i == 5) driverAllocations = engine.memoryStats().driverAllocations();
                losses[i] = t.step();
                if (i == 3) {
                    // Between replays: a validation (eager work on the model) and an annealed learning rate.
                    t.recordValidation(t.validate(1));
                    t.recordValidation(new Evaluation(1e9, 1));
                }
            }
            assertEquals(graphs ? STEPS - 1 : 0, t.replayedSteps(), "steps replayed from the graph; " + mode);
            assertEquals(null, t.takeNotice(), mode);
            assertEquals(driverAllocations, engine.memoryStats().driverAllocations(),
                    "steps 6 and 7 (replays, or steady eager steps) allocate nothing from the driver; " + mode);
            return new Run(losses, t.snapshot(SETTINGS), t.epoch(), t.learningRate());
        }
    }

    /** A device that refuses the capture: the run goes on eagerly, with the eager run's bits, and says why once. */
    @Test
    void aRefusedCaptureLeavesTheStepsEager() {
        long seed = TestTexts.freshSeed("aRefusedCaptureLeavesTheStepsEager");
        String text = TestTexts.sentences(200, seed);
        TrainConfig config = config(Cell.GRU, 1, OptimizerKind.ADAM, 1, 0.2, false, seed);
        Run eager = run(config, text, false);
        try (Engine engine = TestEngines.emulatedCudaRefusingGraphs().open(); Trainer t = trainer(engine, text, config)) {
            engine.setScatterMode(ScatterMode.DETERMINISTIC);
            assertTrue(t.usesGraphs());
            for (int i = 0; i < 4; i++) {
                double loss = t.step();
                assertEquals(Double.doubleToRawLongBits(eager.losses[i]), Double.doubleToRawLongBits(loss),
                        "loss of step " + (i + 1) + ", seed " + seed);
                String notice = t.takeNotice();
                if (i == 1) {
                    assertTrue(notice != null && notice.startsWith("training steps: eager from step 2 on, the capture failed")
                            && notice.contains("CUDA_ERROR_NOT_SUPPORTED"), String.valueOf(notice));
                } else {
                    assertEquals(null, notice, "step " + (i + 1));
                }
            }
            assertFalse(t.usesGraphs());
            assertEquals(0, t.replayedSteps());
        }
    }

    @Test
    void graphsAreTheDefaultWhereTheEngineHasThemAndCanBeTurnedOff() {
        long seed = TestTexts.freshSeed("graphsAreTheDefaultWhereTheEngineHasThemAndCanBeTurnedOff");
        String text = TestTexts.sentences(300, seed);
        TrainConfig config = config(Cell.LSTM, 2, OptimizerKind.ADAM, 1, 0.2, true, seed);
        try (Engine engine = TestEngines.emulatedCuda().open(); Trainer t = trainer(engine, text, config)) {
            assertTrue(t.usesGraphs());
            assertTrue(t.useGraphs(false).contains("eager (graphs turned off)"));
            assertFalse(t.usesGraphs());
            assertTrue(t.useGraphs(true).contains("a CUDA graph"));
        }
        try (Engine engine = TestEngines.cpu().open(); Trainer t = trainer(engine, text, config)) {
            assertFalse(t.usesGraphs());
            assertTrue(t.useGraphs(true).contains("has no device graphs"), t.useGraphs(true));
        }
    }
}
