package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.check.GradCheck;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The modules API: nested names, Sequential, ModuleList, Linear without bias, modes, zeroGrad, initialisers. */
class ModulesTest {
    private Engine e;
    private long seed;
    private SplittableRandom random;

    @BeforeEach
    void open() {
        e = Wick.cpu(2);
        seed = Long.getLong("wick.test.seed", System.nanoTime());
        System.out.println("ModulesTest seed " + seed + " (replay with -Dwick.test.seed=" + seed + ")");
        random = new SplittableRandom(seed);
    }

    @AfterEach
    void close() {
        e.close();
    }

    /** A user's module: an encoder (Sequential), a list of heads, a dropout, a tied projection. */
    private static final class TwoHeads extends AbstractModule implements Layer {
        final Sequential encoder;
        final ModuleList<Linear> heads;
        final Dropout dropout;
        final Variable scale;

        TwoHeads(Engine e, long seed) {
            encoder = registerModule("encoder", new Sequential(new Linear(e, DType.FLOAT64, 5, 7, seed),
                    Activation.tanh(), new Linear(e, DType.FLOAT64, 7, 6, false, seed + 1)));
            dropout = registerModule("dropout", new Dropout(0.5, seed + 2));
            heads = registerModule("heads", new ModuleList<Linear>()
                    .add(new Linear(e, DType.FLOAT64, 6, 3, seed + 3))
                    .add(new Linear(e, DType.FLOAT64, 6, 3, false, seed + 4)));
            scale = registerParameter("scale", Variable.parameter("scale", e.full(DType.FLOAT64, 0.5, 1)));
        }

        @Override
        public Variable forward(Variable x) {
            Variable h = dropout.forward(encoder.forward(x));
            return F.mul(F.add(heads.get(0).forward(h), heads.get(1).forward(h)), scale);
        }
    }

    @Test
    void nestedModulesNameTheirParametersByDottedPathInRegistrationOrder() {
        try (TwoHeads m = new TwoHeads(e, seed)) {
            assertEquals(List.of("scale", "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "heads.0.weight",
                    "heads.0.bias", "heads.1.weight"), List.copyOf(m.namedParameters().keySet()));
            assertEquals(List.of("encoder", "dropout", "heads"), List.copyOf(m.namedChildren().keySet()));
            assertEquals(m.namedParameters().values().stream().toList(), m.parameters());
            assertSame(m.heads.get(1).weight(), m.namedParameters().get("heads.1.weight"));
            assertNull(m.heads.get(1).bias(), "built without a bias");
            assertEquals(3, m.encoder.size());
            assertThrows(UnsupportedOperationException.class, () -> m.namedParameters().clear());
        }
    }

    @Test
    void aTensorRegisteredTwiceIsListedOnceUnderItsFirstName() {
        Linear shared = new Linear(e, DType.FLOAT32, 4, 4, seed);
        Sequential twice = new Sequential(shared, Activation.relu(), shared);
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(twice.namedParameters().keySet()));
        twice.close();
    }

    @Test
    void badNamesAndDuplicatesAreRefused() {
        final class Bad extends AbstractModule {
            void register(String name) {
                registerModule(name, Activation.tanh());
            }
        }
        Bad bad = new Bad();
        bad.register("a");
        for (String name : new String[]{"a", "", "x.y", null}) {
            assertThrows(IllegalArgumentException.class, () -> bad.register(name), String.valueOf(name));
        }
        assertEquals(List.of("a"), List.copyOf(bad.namedChildren().keySet()));
    }

    @Test
    void trainAndEvalReachEveryDescendantAndDecideDropout() {
        try (TwoHeads m = new TwoHeads(e, seed); Scope s = e.scope()) {
            Variable x = Variable.constant(e.uniform(DType.FLOAT64, seed, -1, 1, 9, 5));
            m.eval();
            assertFalse(m.isTraining());
            assertFalse(m.dropout.isTraining());
            assertFalse(m.encoder.get(1).isTraining());
            double[] first = m.forward(x).value().toDoubleArray();
            assertArrayEquals(first, m.forward(x).value().toDoubleArray(), 0.0, "no dropout in eval mode");
            m.train();
            assertTrue(m.dropout.isTraining() && m.heads.get(0).isTraining());
            double[] a = m.forward(x).value().toDoubleArray(), b = m.forward(x).value().toDoubleArray();
            assertFalse(java.util.Arrays.equals(a, b), "training mode draws a new mask each call");
        }
    }

    @Test
    void zeroGradOnAModuleResetsEveryParameterInTheTree() {
        try (TwoHeads m = new TwoHeads(e, seed); Scope s = e.scope()) {
            m.eval();
            Variable x = Variable.constant(e.uniform(DType.FLOAT64, seed, -1, 1, 4, 5));
            try (Tape tape = Tape.record()) {
                tape.backward(F.sum(m.forward(x)));
            }
            for (Map.Entry<String, Variable> p : m.namedParameters().entrySet()) {
                assertTrue(p.getValue().hasGrad(), p.getKey());
            }
            m.zeroGrad();
            for (Map.Entry<String, Variable> p : m.namedParameters().entrySet()) {
                for (double g : p.getValue().grad().toDoubleArray()) assertEquals(0.0, g, p.getKey());
            }
        }
    }

    /** Finite differences through the whole tree in float64, dropout off (eval) and on (a fixed mask). */
    @Test
    void gradientsThroughNestedModulesMatchFiniteDifferences() {
        try (TwoHeads m = new TwoHeads(e, seed)) {
            int rows = 3 + random.nextInt(4);
            Variable x = Variable.parameter("x", e.uniform(DType.FLOAT64, seed ^ 1, -1, 1, rows, 5));
            Tensor w = e.uniform(DType.FLOAT64, seed ^ 2, -1, 1, rows, 3);
            for (boolean training : new boolean[]{false, true}) {
                m.setTraining(training);
                List<Variable> inputs = new java.util.ArrayList<>(m.parameters());
                inputs.add(x);
                GradCheck.Result r = GradCheck.check(inputs, () -> F.sum(F.mul(
                        F.mul(F.add(m.heads.get(0).forward(m.dropout.forward(m.encoder.forward(x), seed)),
                                m.heads.get(1).forward(m.dropout.forward(m.encoder.forward(x), seed))), m.scale),
                        Variable.constant(w))), 1e-6, 1e-7, 1e-5);
                assertTrue(r.elementsChecked() > 0, "seed " + seed);
            }
            x.close();
        }
    }

    @Test
    void linearWithoutBiasComputesXTimesWTransposed() {
        int in = 3 + random.nextInt(5), out = 2 + random.nextInt(5), rows = 1 + random.nextInt(6);
        try (Linear l = new Linear(e, DType.FLOAT64, in, out, false, seed); Scope s = e.scope()) {
            assertEquals(List.of("weight"), List.copyOf(l.namedParameters().keySet()));
            double[] x = new double[rows * in];
            for (int i = 0; i < x.length; i++) x[i] = random.nextDouble(-1, 1);
            double[] w = l.weight().value().toDoubleArray();
            double[] y = l.forward(Variable.constant(e.fromDoubles(x, rows, in))).value().toDoubleArray();
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double expected = 0;
                    for (int k = 0; k < in; k++) expected += x[r * in + k] * w[o * in + k];
                    assertEquals(expected, y[r * out + o], 1e-12, "seed " + seed + " row " + r + " output " + o);
                }
            }
        }
    }

    @Test
    void initialisersFollowPyTorchsFormulasAndAreReproducible() {
        int out = 50 + random.nextInt(30), in = 70 + random.nextInt(40), k = 3;
        try (Scope s = e.scope()) {
            Tensor t = e.zeros(DType.FLOAT64, out, in, k);
            assertEquals((long) in * k, Init.fanIn(t.shape()));
            assertEquals((long) out * k, Init.fanOut(t.shape()));

            double xavierBound = Math.sqrt(6.0 / (in * k + out * k));
            assertWithin(Init.xavierUniform(t, 1.0, seed), xavierBound, xavierBound * xavierBound / 3);
            double reluGainBound = Math.sqrt(2.0) * Math.sqrt(3.0 / (in * k));
            assertWithin(Init.kaimingUniform(t, Init.FanMode.FAN_IN, Init.Nonlinearity.RELU, 0, seed), reluGainBound,
                    reluGainBound * reluGainBound / 3);
            double std = Init.gain(Init.Nonlinearity.TANH, 0) * Math.sqrt(2.0 / (in * k + out * k));
            assertVariance(Init.xavierNormal(t, 5.0 / 3.0, seed), std * std);
            double heStd = Math.sqrt(2.0 / (1 + 0.01 * 0.01)) / Math.sqrt(out * k);
            assertVariance(Init.kaimingNormal(t, Init.FanMode.FAN_OUT, Init.Nonlinearity.LEAKY_RELU, 0.01, seed), heStd * heStd);

            double[] once = Init.uniform(t, -0.3, 0.2, seed).toDoubleArray();
            assertArrayEquals(once, Init.uniform(t, -0.3, 0.2, seed).toDoubleArray(), 0.0, "the seed fixes the values");
            assertNotEquals(once[0], Init.uniform(t, -0.3, 0.2, seed + 1).toDoubleArray()[0]);
            for (double v : Init.zeros(t).toDoubleArray()) assertEquals(0.0, v);
            for (double v : Init.ones(t).toDoubleArray()) assertEquals(1.0, v);
            for (double v : Init.constant(t, -2.5).toDoubleArray()) assertEquals(-2.5, v);

            assertThrows(IllegalArgumentException.class, () -> Init.xavierUniform(e.zeros(DType.FLOAT64, 5), 1, seed),
                    "a vector has no fans");
            assertThrows(IllegalArgumentException.class, () -> Init.uniform(e.zeros(DType.INT32, 2, 2), 0, 1, seed));
        }
    }

    /** Every value inside (-bound, bound) and the variance near bound^2 / 3 (a uniform's). */
    private void assertWithin(Tensor t, double bound, double variance) {
        for (double v : t.toDoubleArray()) assertTrue(Math.abs(v) <= bound, "seed " + seed + ": " + v + " beyond " + bound);
        assertVariance(t, variance);
    }

    /** The sample variance within 10% of {@code expected}: over ten thousand draws, about 7 standard errors. */
    private void assertVariance(Tensor t, double expected) {
        double[] v = t.toDoubleArray();
        double sum = 0, sq = 0;
        for (double x : v) {
            sum += x;
            sq += x * x;
        }
        double mean = sum / v.length, var = sq / v.length - mean * mean;
        assertEquals(expected, var, 0.1 * expected, "seed " + seed + ": variance over " + v.length + " values");
        assertEquals(0.0, mean, 5 * Math.sqrt(expected / v.length), "seed " + seed + ": mean");
    }
}
