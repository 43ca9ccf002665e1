package dev.wick.autograd;

import dev.wick.autograd.nn.Recurrent;
import dev.wick.autograd.nn.RnnLanguageModel;
import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.autograd.nn.RnnLanguageModel.Config;
import dev.wick.core.DType;
import dev.wick.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RnnLanguageModel: every cell and depth against float64 finite differences, tied weights, dropout, names. */
class LanguageModelTest extends GradTestCase {
    private static final int VOCAB = 7, SIZE = 5, STEPS = 3, BATCH = 2;

    private Tensor tokens(int salt) {
        return e.fromInts(TestSeeds.indices(random, STEPS * BATCH, VOCAB, salt), STEPS, BATCH);
    }

    @Test
    void everyCellTwoLayersTiedAndUntiedAgainstFiniteDifferences() {
        for (Cell cell : Cell.values()) {
            for (boolean tied : new boolean[]{false, true}) {
                // The kernels of every cell are checked on every engine by RecurrentLayersTest; on the
                // (slow) CUDA engines this checks the model around them once: two LSTM layers, tied.
                if (engine().isCuda() && (cell != Cell.LSTM || !tied)) continue;
                Config config = new Config(cell, VOCAB, SIZE, SIZE, 2, 0.0, tied);
                try (RnnLanguageModel model = new RnnLanguageModel(e, DType.FLOAT64, config, random.nextLong())) {
                    Tensor inputs = tokens(4), targets = tokens(6);
                    // A non-zero initial state, so gradients also flow through the stack's state split.
                    Variable h0 = constant(uniform(2 * BATCH * SIZE), 2, BATCH, SIZE);
                    Variable c0 = cell == Cell.LSTM ? constant(uniform(2 * BATCH * SIZE), 2, BATCH, SIZE) : null;
                    check(cell + (tied ? " tied" : " untied"), model.parameters(),
                            () -> model.loss(inputs, targets, new Recurrent.State(h0, c0), 1));
                }
            }
        }
    }

    @Test
    void tiedWeightsAreOneTensorListedOnce() {
        Config config = new Config(Cell.LSTM, VOCAB, SIZE, SIZE, 2, 0.2, true);
        try (RnnLanguageModel model = new RnnLanguageModel(e, DType.FLOAT64, config, seed)) {
            assertSame(model.embeddingWeight(), model.headWeight());
            assertEquals(List.of("embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                    "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "head.bias"),
                    new ArrayList<>(model.namedParameters().keySet()));
        }
        Config untied = new Config(Cell.GRU, VOCAB, 3, SIZE, 1, 0.0, false);
        try (RnnLanguageModel model = new RnnLanguageModel(e, DType.FLOAT64, untied, seed)) {
            assertTrue(model.namedParameters().containsKey("head.weight"));
            assertEquals(dev.wick.core.Shape.of(3 * SIZE, 3), model.namedParameters().get("rnn.weight_ih_l0").shape());
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new Config(Cell.LSTM, VOCAB, 4, SIZE, 1, 0.0, true));
        assertTrue(ex.getMessage().contains("tied weights"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Config(Cell.GRU, VOCAB, SIZE, SIZE, 0, 0.0, false));
        assertThrows(IllegalArgumentException.class, () -> new Config(Cell.GRU, VOCAB, SIZE, SIZE, 1, 1.0, false));
    }

    @Test
    void dropoutFollowsTheSeedWhileTrainingAndIsOffInEvalMode() {
        Config config = new Config(Cell.GRU, VOCAB, SIZE, SIZE, 2, 0.5, false);
        try (RnnLanguageModel model = new RnnLanguageModel(e, DType.FLOAT64, config, seed)) {
            Tensor inputs = tokens(5);
            double[] a = model.forward(inputs, null, 3).logits().value().toDoubleArray();
            double[] b = model.forward(inputs, null, 3).logits().value().toDoubleArray();
            double[] c = model.forward(inputs, null, 4).logits().value().toDoubleArray();
            model.setTraining(false);
            double[] d = model.forward(inputs, null, 3).logits().value().toDoubleArray();
            double[] f = model.forward(inputs, null, 4).logits().value().toDoubleArray();
            assertTrue(Arrays.equals(a, b), "one seed, one set of masks");
            assertFalse(Arrays.equals(a, c), "another seed, other masks");
            assertTrue(Arrays.equals(d, f), "eval mode has no dropout");
            assertFalse(model.rnn().isTraining());
        }
    }

    @Test
    void aSparseEmbeddingGivesTheDenseGradientRowByRow() {
        Config dense = new Config(Cell.LSTM, VOCAB, SIZE, SIZE, 2, 0.0, false);
        Config sparse = new Config(Cell.LSTM, VOCAB, SIZE, SIZE, 2, 0.0, false, true);
        Tensor inputs = tokens(3), targets = tokens(8);
        try (RnnLanguageModel a = new RnnLanguageModel(e, DType.FLOAT64, dense, seed);
             RnnLanguageModel b = new RnnLanguageModel(e, DType.FLOAT64, sparse, seed)) {
            double[] lossA = new double[1], lossB = new double[1];
            try (Tape tape = Tape.record()) {
                Variable l = a.loss(inputs, targets, null, 1);
                lossA[0] = l.value().item();
                tape.backward(l);
            }
            try (Tape tape = Tape.record()) {
                Variable l = b.loss(inputs, targets, null, 1);
                lossB[0] = l.value().item();
                tape.backward(l);
            }
            assertEquals(lossA[0], lossB[0], 0.0, "seed " + seed);
            assertTrue(b.embeddingWeight().hasSparseGrad(), "the embedding's gradient stays row-sparse");
            assertTrue(Arrays.equals(a.embeddingWeight().grad().toDoubleArray(),
                    b.embeddingWeight().sparseGrad().toDense().toDoubleArray()), "seed " + seed);
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new Config(Cell.GRU, VOCAB, SIZE, SIZE, 1, 0.0, true, true));
        assertTrue(ex.getMessage().contains("cannot be tied"), ex.getMessage());
    }
}
