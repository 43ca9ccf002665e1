package dev.wick.autograd;

import dev.wick.autograd.check.GradCheck;
import dev.wick.autograd.nn.Embedding;
import dev.wick.autograd.nn.Linear;
import dev.wick.autograd.nn.RNN;
import dev.wick.autograd.nn.Recurrent;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every differentiable op, and a whole model, against float64 central differences on fresh random inputs. */
class GradientCheckTest {
    private Engine e;
    private long seed;
    private SplittableRandom random;

    /** The engine these tests run on; EveryEngineTest runs them again on the others. */
    TestEngines.Kind engine() {
        return TestEngines.cpu();
    }

    @BeforeEach
    void open(org.junit.jupiter.api.TestInfo info) {
        e = engine().open();
        seed = TestSeeds.fresh(info.getDisplayName());
        random = new SplittableRandom(seed);
    }

    @AfterEach
    void close() {
        if (e != null) e.close(); // null when the engine was not available and the test skipped
    }

    private Variable param(String name, int... dims) {
        return Variable.parameter(name, e.uniform(DType.FLOAT64, random.nextLong(), -1, 1, dims));
    }

    private Variable constant(int... dims) {
        return Variable.constant(e.uniform(DType.FLOAT64, random.nextLong(), -1, 1, dims));
    }

    /**
     * A scalar that depends on every element of v with distinct weights, so no gradient hides. The
     * weights are a function of the test's seed and the shape: every evaluation sees the same ones.
     */
    private Variable weightedSum(Variable v) {
        long s = seed * 31 + v.shape().hashCode();
        Variable w = Variable.constant(e.uniform(DType.FLOAT64, s, -1, 1, v.shape().dims()));
        return F.sum(F.mul(v, w));
    }

    private void check(List<Variable> inputs, Supplier<Variable> loss) {
        try {
            GradCheck.Result r = GradCheck.check(inputs, loss, 1e-6, 1e-7, 1e-5, GradTestCase.elementsPerInput(engine()), seed);
            assertTrue(r.elementsChecked() > 0);
        } catch (AssertionError err) {
            throw new AssertionError("seed " + seed + ": " + err.getMessage(), err);
        }
    }

    @Test
    void embeddingWithRepeatsAndPadding() {
        Variable w = param("weight", 7, 5);
        int[] idx = TestSeeds.indices(random, 11, 7, 3);
        idx[4] = 2; // the padding row appears at least once
        Tensor indices = e.fromInts(idx, 11);
        check(List.of(w), () -> weightedSum(F.embedding(w, indices)));
    }

    @Test
    void embeddingPaddingRowGetsNoGradientAndOthersAreUnchanged() {
        Variable w = param("weight", 7, 5);
        int[] idx = TestSeeds.indices(random, 11, 7, 3);
        idx[4] = 2;
        Tensor indices = e.fromInts(idx, 11);
        double[] plain = backwardOnce(w, () -> weightedSum(F.embedding(w, indices)));
        double[] padded = backwardOnce(w, () -> weightedSum(F.embedding(w, indices, 2)));
        for (int j = 0; j < plain.length; j++) {
            double expected = j / 5 == 2 ? 0.0 : plain[j];
            org.junit.jupiter.api.Assertions.assertEquals(expected, padded[j], 0.0, "seed " + seed + " element " + j);
        }
    }

    private double[] backwardOnce(Variable w, Supplier<Variable> loss) {
        w.zeroGrad();
        try (Tape tape = Tape.record()) {
            tape.backward(loss.get());
        }
        return w.grad().toDoubleArray();
    }

    @Test
    void matmul() {
        Variable a = param("a", 3, 7);
        Variable b = param("b", 7, 5);
        check(List.of(a, b), () -> weightedSum(F.matmul(a, b)));
    }

    @Test
    void linearWithBias() {
        Variable x = param("x", 6, 5);
        Variable w = param("weight", 3, 5);
        Variable b = param("bias", 3);
        check(List.of(x, w, b), () -> weightedSum(F.linear(x, w, b)));
        check(List.of(x, w), () -> weightedSum(F.linear(x, w, null)));
        // Leading dimensions are rows, as in PyTorch: [2, 3, in] and a single row [in].
        Variable x3 = param("x3", 2, 3, 5);
        Variable x1 = param("x1", 5);
        check(List.of(x3, w, b), () -> weightedSum(F.linear(x3, w, b)));
        check(List.of(x1, w, b), () -> weightedSum(F.linear(x1, w, b)));
    }

    @Test
    void addSameShapeAndBias() {
        Variable a = param("a", 4, 3);
        Variable b = param("b", 4, 3);
        Variable bias = param("bias", 3);
        check(List.of(a, b), () -> weightedSum(F.add(a, b)));
        check(List.of(a, bias), () -> weightedSum(F.add(a, bias)));
    }

    @Test
    void mulScaleTanhSum() {
        Variable a = param("a", 5, 3);
        Variable b = param("b", 5, 3);
        check(List.of(a, b), () -> weightedSum(F.mul(a, b)));
        check(List.of(a), () -> weightedSum(F.scale(a, -2.5)));
        check(List.of(a), () -> weightedSum(F.tanh(F.scale(a, 2.0))));
        check(List.of(a), () -> F.sum(a));
        check(List.of(a), () -> F.scale(F.sum(F.mul(a, a)), 0.5)); // a reused twice on one path
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        Variable logits = param("logits", 6, 5);
        int[] t = new int[6];
        for (int i = 0; i < t.length; i++) t[i] = random.nextInt(5);
        t[2] = F.DEFAULT_IGNORE_INDEX;
        Tensor targets = e.fromInts(t, 6);
        check(List.of(logits), () -> F.crossEntropy(F.scale(logits, 3.0), targets));
        Tensor other = e.fromInts(new int[]{1, 1, -1, 4, 0, -1}, 6);
        check(List.of(logits), () -> F.crossEntropy(logits, other, -1));
    }

    @Test
    void reshapeAndSlice() {
        Variable a = param("a", 4, 3, 2);
        check(List.of(a), () -> weightedSum(F.reshape(a, 12, 2)));
        check(List.of(a), () -> weightedSum(F.slice(a, 1, 3)));
    }

    @Test
    void rnnOverSeveralTimestepsWithInitialState() {
        int steps = 4, batch = 3, in = 5, hidden = 6;
        Variable x = param("x", steps, batch, in);
        Variable h0 = param("h0", batch, hidden);
        Variable wih = param("weight_ih", hidden, in);
        Variable whh = param("weight_hh", hidden, hidden);
        Variable b = param("bias", hidden);
        check(List.of(x, h0, wih, whh, b), () -> weightedSum(F.rnnTanh(x, h0, wih, whh, b)));
        check(List.of(x, wih, whh, b), () -> weightedSum(F.rnnTanh(x, null, wih, whh, b)));
        // Only the last hidden state feeds the loss: gradient must flow back through every step.
        check(List.of(x, h0, whh), () -> weightedSum(RNN.lastHidden(F.rnnTanh(x, h0, wih, whh, b))));
    }

    @Test
    void wholeModelEmbeddingRnnLinearCrossEntropy() {
        int vocab = 7, embed = 3, hidden = 4, steps = 3, batch = 2;
        Embedding emb = new Embedding(e, DType.FLOAT64, vocab, embed, random.nextLong());
        RNN rnn = new RNN(e, DType.FLOAT64, embed, hidden, random.nextLong());
        Linear head = new Linear(e, DType.FLOAT64, hidden, vocab, random.nextLong());
        Variable h0 = constant(batch, hidden);
        Tensor inputs = e.fromInts(TestSeeds.indices(random, steps * batch, vocab, 3), steps, batch);
        Tensor targets = e.fromInts(TestSeeds.indices(random, steps * batch, vocab, 7), steps * batch);
        List<Variable> params = new ArrayList<>();
        params.addAll(emb.parameters());
        params.addAll(rnn.parameters());
        params.addAll(head.parameters());
        check(params, () -> {
            Variable hs = rnn.forward(emb.forward(inputs), new Recurrent.State(F.reshape(h0, 1, batch, hidden), null)).output();
            Variable logits = head.forward(F.reshape(hs, steps * batch, hidden));
            return F.crossEntropy(logits, targets);
        });
    }
}
