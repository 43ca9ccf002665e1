package dev.wick.autograd;

import dev.wick.autograd.nn.GRU;
import dev.wick.autograd.nn.LSTM;
import dev.wick.autograd.nn.Recurrent;
import dev.wick.core.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused LSTM and GRU layers (F.lstm, F.gru) and their stacks (nn.LSTM, nn.GRU): float64
 * finite differences through whole sequences, initial states included; forward values and every
 * gradient against the same cell written step by step in plain differentiable ops (an independent
 * implementation of PyTorch's equations); float32 against float64; bad input.
 */
class RecurrentLayersTest extends GradTestCase {
    private static final int STEPS = 5, BATCH = 3, IN = 4, HIDDEN = 5;

    /** A layer's inputs: x [T, B, E], h0, c0, and PyTorch's four parameters for G gates. */
    private List<Variable> layer(int gates) {
        List<Variable> v = new ArrayList<>();
        v.add(param("x", STEPS, BATCH, IN));
        v.add(param("h0", BATCH, HIDDEN));
        v.add(param("c0", BATCH, HIDDEN));
        v.add(param("weight_ih", gates * HIDDEN, IN));
        v.add(param("weight_hh", gates * HIDDEN, HIDDEN));
        v.add(param("bias_ih", gates * HIDDEN));
        v.add(param("bias_hh", gates * HIDDEN));
        return v;
    }

    @Test
    void lstmGradientsThroughTheWholeSequence() {
        List<Variable> p = layer(4);
        Variable x = p.get(0), h0 = p.get(1), c0 = p.get(2), wih = p.get(3), whh = p.get(4), bih = p.get(5), bhh = p.get(6);
        check("every output", p, () -> {
            F.LstmOutput o = F.lstm(x, h0, c0, wih, whh, bih, bhh);
            return F.add(F.add(weightedSum(o.output()), weightedSum(o.lastHidden())), weightedSum(o.lastCell()));
        });
        // Through the last cell state alone, and from zero states.
        check("last cell", List.of(x, h0, c0, whh), () -> weightedSum(F.lstm(x, h0, c0, wih, whh, bih, bhh).lastCell()));
        check("zero initial state", List.of(x, wih, whh, bih, bhh),
                () -> weightedSum(F.lstm(x, null, null, wih, whh, bih, bhh).output()));
        if (!engine().isCuda()) {
            check("no biases", List.of(x, wih, whh), () -> weightedSum(F.lstm(x, h0, null, wih, whh, null, null).lastHidden()));
        }
    }

    @Test
    void gruGradientsThroughTheWholeSequence() {
        List<Variable> p = layer(3);
        Variable x = p.get(0), h0 = p.get(1), wih = p.get(3), whh = p.get(4), bih = p.get(5), bhh = p.get(6);
        List<Variable> inputs = List.of(x, h0, wih, whh, bih, bhh);
        check("every output", inputs, () -> weightedSum(F.gru(x, h0, wih, whh, bih, bhh)));
        check("last hidden", List.of(x, h0, whh, bhh),
                () -> weightedSum(F.narrow(F.gru(x, h0, wih, whh, bih, bhh), 0, STEPS - 1, 1)));
        check("zero initial state", List.of(x, wih, whh, bih, bhh), () -> weightedSum(F.gru(x, null, wih, whh, bih, bhh)));
        if (!engine().isCuda()) {
            check("no biases", List.of(x, h0, wih, whh), () -> weightedSum(F.gru(x, h0, wih, whh, null, null)));
        }
    }

    @Test
    void lstmMatchesTheCellWrittenInPlainOps() {
        // Formulas against formulas: the CPU settles it; on a CUDA engine the gradient checks and
        // the conformance suite check the kernels (a step-by-step model is hundreds of launches).
        Assumptions.assumeFalse(engine().isCuda(), "checked on the CPU only");
        List<Variable> p = layer(4);
        Supplier<Variable> fused = () -> {
            F.LstmOutput o = F.lstm(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6));
            return F.add(F.add(weightedSum(o.output()), weightedSum(o.lastHidden())), weightedSum(o.lastCell()));
        };
        Supplier<Variable> plain = () -> {
            Variable h = p.get(1), c = p.get(2);
            List<Variable> hs = new ArrayList<>();
            for (int t = 0; t < STEPS; t++) {
                Variable xt = F.reshape(F.slice(p.get(0), t, t + 1), BATCH, IN);
                Variable gates = F.add(F.linear(xt, p.get(3), p.get(5)), F.linear(h, p.get(4), p.get(6)));
                Variable i = F.sigmoid(F.narrow(gates, 1, 0, HIDDEN));
                Variable f = F.sigmoid(F.narrow(gates, 1, HIDDEN, HIDDEN));
                Variable g = F.tanh(F.narrow(gates, 1, 2 * HIDDEN, HIDDEN));
                Variable o = F.sigmoid(F.narrow(gates, 1, 3 * HIDDEN, HIDDEN));
                c = F.add(F.mul(f, c), F.mul(i, g));
                h = F.mul(o, F.tanh(c));
                hs.add(h);
            }
            return F.add(F.add(weightedSum(F.stack(0, hs.toArray(new Variable[0]))), weightedSum(h)), weightedSum(c));
        };
        assertSameLossAndGradients(p, fused, plain);
    }

    @Test
    void gruMatchesTheCellWrittenInPlainOps() {
        // Formulas against formulas: the CPU settles it; on a CUDA engine the gradient checks and
        // the conformance suite check the kernels (a step-by-step model is hundreds of launches).
        Assumptions.assumeFalse(engine().isCuda(), "checked on the CPU only");
        List<Variable> p = layer(3);
        p.remove(2); // no cell state
        Supplier<Variable> fused = () -> weightedSum(F.gru(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5)));
        Supplier<Variable> plain = () -> {
            Variable h = p.get(1);
            List<Variable> hs = new ArrayList<>();
            for (int t = 0; t < STEPS; t++) {
                Variable xt = F.reshape(F.slice(p.get(0), t, t + 1), BATCH, IN);
                Variable gi = F.linear(xt, p.get(2), p.get(4)), gh = F.linear(h, p.get(3), p.get(5));
                Variable r = F.sigmoid(F.add(F.narrow(gi, 1, 0, HIDDEN), F.narrow(gh, 1, 0, HIDDEN)));
                Variable z = F.sigmoid(F.add(F.narrow(gi, 1, HIDDEN, HIDDEN), F.narrow(gh, 1, HIDDEN, HIDDEN)));
                Variable n = F.tanh(F.add(F.narrow(gi, 1, 2 * HIDDEN, HIDDEN), F.mul(r, F.narrow(gh, 1, 2 * HIDDEN, HIDDEN))));
                h = F.add(F.mul(F.rsub(z, 1.0), n), F.mul(z, h));
                hs.add(h);
            }
            return weightedSum(F.stack(0, hs.toArray(new Variable[0])));
        };
        assertSameLossAndGradients(p, fused, plain);
    }

    /** Loss and every input's gradient from two implementations agree to float64 rounding. */
    private void assertSameLossAndGradients(List<Variable> inputs, Supplier<Variable> a, Supplier<Variable> b) {
        double[] lossA = new double[1], lossB = new double[1];
        List<double[]> gradA = gradients(inputs, a, lossA), gradB = gradients(inputs, b, lossB);
        assertEquals(lossB[0], lossA[0], 1e-12 * Math.max(1, Math.abs(lossB[0])), "seed " + seed + ": loss");
        for (int k = 0; k < inputs.size(); k++) {
            double[] x = gradA.get(k), y = gradB.get(k);
            for (int i = 0; i < x.length; i++) {
                assertEquals(y[i], x[i], 1e-12 * Math.max(1, Math.abs(y[i])),
                        "seed " + seed + ": gradient of " + inputs.get(k).name() + " at " + i);
            }
        }
    }

    private static List<double[]> gradients(List<Variable> inputs, Supplier<Variable> loss, double[] value) {
        for (Variable v : inputs) v.zeroGrad();
        try (Tape tape = Tape.record()) {
            Variable l = loss.get();
            value[0] = l.value().toDoubleArray()[0];
            tape.backward(l);
        }
        List<double[]> out = new ArrayList<>();
        for (Variable v : inputs) out.add(v.grad().toDoubleArray());
        return out;
    }

    @Test
    void float32AgreesWithFloat64() {
        for (int gates : new int[]{3, 4}) {
            List<Variable> p64 = layer(gates);
            List<Variable> p32 = new ArrayList<>();
            for (Variable v : p64) p32.add(Variable.parameter(v.name(), v.value().to(DType.FLOAT32)));
            double[] o64 = run(gates, p64), o32 = run(gates, p32);
            for (int i = 0; i < o64.length; i++) {
                assertEquals(o64[i], o32[i], 2e-6 * Math.max(1, Math.abs(o64[i])),
                        "seed " + seed + ": " + (gates == 4 ? "lstm" : "gru") + " value or gradient " + i);
            }
        }
    }

    /** The outputs and the gradients of x, h0, W_hh and b_ih, concatenated, in float64. */
    private static double[] run(int gates, List<Variable> p) {
        for (Variable v : p) v.zeroGrad();
        double[] out;
        try (Tape tape = Tape.record()) {
            Variable y = gates == 4 ? F.lstm(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6)).output()
                    : F.gru(p.get(0), p.get(1), p.get(3), p.get(4), p.get(5), p.get(6));
            out = y.value().toDoubleArray();
            tape.backward(F.sum(F.mul(y, y)));
        }
        List<double[]> parts = new ArrayList<>(List.of(out));
        for (int k : new int[]{0, 1, 4, 5}) parts.add(p.get(k).grad().toDoubleArray());
        return parts.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    @Test
    void stacksHavePyTorchsParameterNamesAndShapes() {
        try (LSTM lstm = new LSTM(e, DType.FLOAT64, IN, HIDDEN, 2, true, 0.0, seed);
             GRU gru = new GRU(e, DType.FLOAT64, IN, HIDDEN, 2, false, 0.0, seed)) {
            Map<String, Variable> l = lstm.namedParameters();
            assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                    "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"), new ArrayList<>(l.keySet()));
            assertEquals(dev.wick.core.Shape.of(4 * HIDDEN, IN), l.get("weight_ih_l0").shape());
            assertEquals(dev.wick.core.Shape.of(4 * HIDDEN, HIDDEN), l.get("weight_ih_l1").shape());
            assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"),
                    new ArrayList<>(gru.namedParameters().keySet()));
            assertEquals(dev.wick.core.Shape.of(3 * HIDDEN, HIDDEN), gru.namedParameters().get("weight_hh_l1").shape());
        }
    }

    @Test
    void twoLayerStackGradientsIncludingInitialStatesAndFinalStates() {
        // Stacking is composition above the kernels, the same code on every engine: checked on the
        // CPU and a real GPU; on the emulator it would take minutes to recheck what the one-layer
        // gradient tests above already check there (every cell kernel, forward and backward).
        org.junit.jupiter.api.Assumptions.assumeFalse(engine().isEmulated(), "composition only: checked on the CPU");
        try (LSTM lstm = new LSTM(e, DType.FLOAT64, IN, HIDDEN, 2, true, 0.0, seed);
             GRU gru = new GRU(e, DType.FLOAT64, IN, HIDDEN, 2, true, 0.0, seed)) {
            Variable x = param("x", STEPS, BATCH, IN);
            Variable h0 = param("h0", 2, BATCH, HIDDEN), c0 = param("c0", 2, BATCH, HIDDEN);
            List<Variable> li = new ArrayList<>(List.of(x, h0, c0));
            li.addAll(lstm.parameters());
            check("2-layer LSTM", li, () -> {
                Recurrent.Output o = lstm.forward(x, new Recurrent.State(h0, c0), 1);
                return F.add(F.add(weightedSum(o.output()), weightedSum(o.state().h())), weightedSum(o.state().c()));
            });
            List<Variable> gi = new ArrayList<>(List.of(x, h0));
            gi.addAll(gru.parameters());
            check("2-layer GRU", gi, () -> {
                Recurrent.Output o = gru.forward(x, new Recurrent.State(h0, null), 1);
                return F.add(weightedSum(o.output()), weightedSum(o.state().h()));
            });
        }
    }

    @Test
    void dropoutBetweenLayersOnlyWhileTrainingAndReproducibleFromTheSeed() {
        try (LSTM lstm = new LSTM(e, DType.FLOAT64, IN, HIDDEN, 3, true, 0.5, seed)) {
            Variable x = constant(uniform(STEPS * BATCH * IN), STEPS, BATCH, IN);
            double[] a = lstm.forward(x, null, 7).output().value().toDoubleArray();
            double[] b = lstm.forward(x, null, 7).output().value().toDoubleArray();
            double[] c = lstm.forward(x, null, 8).output().value().toDoubleArray();
            lstm.setTraining(false);
            double[] d = lstm.forward(x, null, 7).output().value().toDoubleArray();
            double[] f = lstm.forward(x, null, 8).output().value().toDoubleArray();
            assertTrue(java.util.Arrays.equals(a, b), "same seed, same masks");
            assertTrue(!java.util.Arrays.equals(a, c), "another seed, other masks");
            assertTrue(java.util.Arrays.equals(d, f), "no dropout in eval mode");
            assertTrue(!java.util.Arrays.equals(a, d), "dropout changes the training output");
        }
    }

    @Test
    void badInputIsRefusedWithTheShapes() {
        List<Variable> p = layer(4);
        Variable x = p.get(0), h0 = p.get(1), wih = p.get(3), whh = p.get(4), bih = p.get(5), bhh = p.get(6);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> F.lstm(x, h0, null, whh, whh, bih, bhh));
        assertTrue(ex.getMessage().contains("weightIH"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> F.lstm(x, h0, null, wih, wih, bih, bhh));
        assertTrue(ex.getMessage().contains("weightHH"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> F.lstm(x, h0, null, wih, whh, bih, null));
        assertTrue(ex.getMessage().contains("both biases"), ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> F.gru(x, h0, wih, whh, bih, bhh));
        assertTrue(ex.getMessage().contains("3 * H"), ex.getMessage());
        Variable wrongState = param("h", BATCH + 1, HIDDEN);
        ex = assertThrows(IllegalArgumentException.class, () -> F.lstm(x, wrongState, null, wih, whh, bih, bhh));
        assertTrue(ex.getMessage().contains("initial state"), ex.getMessage());
        Variable empty = Variable.constant(e.zeros(DType.FLOAT64, 0, BATCH, IN));
        ex = assertThrows(IllegalArgumentException.class, () -> F.lstm(empty, null, null, wih, whh, bih, bhh));
        assertTrue(ex.getMessage().contains("empty"), ex.getMessage());
        Variable x32 = Variable.constant(x.value().to(DType.FLOAT32));
        ex = assertThrows(IllegalArgumentException.class, () -> F.lstm(x32, null, null, wih, whh, bih, bhh));
        assertTrue(ex.getMessage().contains("dtypes"), ex.getMessage());
        try (LSTM lstm = new LSTM(e, DType.FLOAT64, IN, HIDDEN, 2, true, 0.0, seed)) {
            ex = assertThrows(IllegalArgumentException.class, () -> lstm.forward(x, new Recurrent.State(h0, h0)));
            assertTrue(ex.getMessage().contains("[2, 3, 5]"), ex.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new GRU(e, DType.FLOAT64, IN, HIDDEN, 0, true, 0.0, seed));
        assertThrows(IllegalArgumentException.class, () -> new GRU(e, DType.FLOAT64, IN, HIDDEN, 2, true, 1.0, seed));
    }
}
