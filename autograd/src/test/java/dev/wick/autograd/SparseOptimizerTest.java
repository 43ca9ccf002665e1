package dev.wick.autograd;

import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.autograd.optim.Sgd;
import dev.wick.autograd.optim.SparseAdam;
import dev.wick.core.DType;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sgd and SparseAdam on row-sparse gradients against the formulas run in float64 in the test, over
 * several steps that touch different rows (so untouched rows, and their Adam moments, must stay as
 * they were); global-norm clipping over sparse and dense gradients together; the refusals.
 */
class SparseOptimizerTest extends GradTestCase {
    private static final int V = 23, D = 3;

    /** One step's backward: loss = sum(embedding(w, idx) * up), so row r's gradient is the sum of its up rows. */
    private void backward(Variable w, int[] idx, double[] up) {
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            Variable weights = Variable.constant(e.fromDoubles(up, idx.length, D));
            tape.backward(F.sum(F.mul(F.embedding(w, e.fromInts(idx, idx.length), 0, true), weights)));
        }
    }

    /** The dense gradient of that loss, the padding row 0 left out, summed in lookup order. */
    private static double[] gradient(int[] idx, double[] up) {
        double[] g = new double[V * D];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] == 0) continue;
            for (int j = 0; j < D; j++) g[idx[i] * D + j] += up[i * D + j];
        }
        return g;
    }

    private static boolean[] touched(int[] idx) {
        boolean[] t = new boolean[V];
        for (int i : idx) if (i != 0) t[i] = true;
        return t;
    }

    @Test
    void sgdUpdatesOnlyTheTouchedRows() {
        double[] w0 = uniform(V * D);
        Variable w = Variable.sparseParameter("embedding", e.fromDoubles(w0, V, D));
        double lr = 0.1, wd = 0.01;
        double[] expected = w0.clone();
        try (Sgd sgd = new Sgd(List.of(w), lr, 0, wd)) {
            for (int step = 0; step < 3; step++) {
                int[] idx = TestSeeds.indices(random, 7 + step, V, 5);
                double[] up = uniform(idx.length * D);
                sgd.zeroGrad();
                backward(w, idx, up);
                sgd.step();
                double[] g = gradient(idx, up);
                boolean[] t = touched(idx);
                for (int r = 0; r < V; r++) {
                    if (!t[r]) continue;
                    for (int j = 0; j < D; j++) {
                        int i = r * D + j;
                        expected[i] -= lr * (g[i] + wd * expected[i]);
                    }
                }
            }
        }
        assertArrayEquals(expected, w.value().toDoubleArray(), 1e-12, "seed " + seed);
    }

    @Test
    void sparseAdamIsDenseAdamRestrictedToTheTouchedRows() {
        double[] w0 = uniform(V * D);
        Variable w = Variable.sparseParameter("embedding", e.fromDoubles(w0, V, D));
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[] p = w0.clone(), m = new double[V * D], v = new double[V * D];
        try (SparseAdam adam = new SparseAdam(List.of(w), lr, b1, b2, eps)) {
            for (int step = 1; step <= 4; step++) {
                int[] idx = TestSeeds.indices(random, 6 + step, V, 4);
                double[] up = uniform(idx.length * D);
                adam.zeroGrad();
                backward(w, idx, up);
                adam.step();
                double[] g = gradient(idx, up);
                boolean[] t = touched(idx);
                double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
                for (int r = 0; r < V; r++) {
                    if (!t[r]) continue; // lazy: neither the row nor its moments move
                    for (int j = 0; j < D; j++) {
                        int i = r * D + j;
                        m[i] = b1 * m[i] + (1 - b1) * g[i];
                        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                        p[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps);
                    }
                }
            }
            assertEquals(4, adam.stepCount());
            assertArrayEquals(m, adam.firstMoment(0).toDoubleArray(), 1e-12, "first moment, seed " + seed);
            assertArrayEquals(v, adam.secondMoment(0).toDoubleArray(), 1e-12, "second moment, seed " + seed);
        }
        assertArrayEquals(p, w.value().toDoubleArray(), 1e-12, "seed " + seed);
    }

    @Test
    void clippingCountsAndScalesSparseAndDenseGradientsAlike() {
        Variable w = Variable.sparseParameter("embedding", e.fromDoubles(uniform(V * D), V, D));
        Variable bias = param("bias", D);
        int[] idx = TestSeeds.indices(random, 9, V, 5);
        double[] up = uniform(idx.length * D);
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            Variable weights = Variable.constant(e.fromDoubles(up, idx.length, D));
            Variable emb = F.embedding(w, e.fromInts(idx, idx.length), 0, true);
            tape.backward(F.sum(F.mul(F.add(emb, bias), weights)));
        }
        double[] sparse = w.sparseGrad().values().toDoubleArray(), dense = bias.grad().toDoubleArray();
        double squared = 0;
        for (double x : sparse) squared += x * x;
        for (double x : dense) squared += x * x;
        double norm = Math.sqrt(squared), maxNorm = norm / 3;
        assertEquals(norm, GradClip.clipGlobalNorm(List.of(w, bias), maxNorm), 1e-12 * norm, "seed " + seed);
        double factor = maxNorm / (norm + 1e-6);
        double[] scaledSparse = w.sparseGrad().values().toDoubleArray(), scaledDense = bias.grad().toDoubleArray();
        for (int i = 0; i < sparse.length; i++) assertEquals(sparse[i] * factor, scaledSparse[i], 1e-15);
        for (int i = 0; i < dense.length; i++) assertEquals(dense[i] * factor, scaledDense[i], 1e-15);
        assertTrue(w.hasSparseGrad(), "clipping keeps the sparse gradient sparse");
    }

    @Test
    void optimizersThatCannotTakeAGradientSayWhichParameter() {
        Variable w = Variable.sparseParameter("embedding", e.fromDoubles(uniform(V * D), V, D));
        Variable bias = param("bias", D);
        double[] before = w.value().toDoubleArray();
        try (Adam adam = new Adam(List.of(w, bias), 0.1); Sgd momentum = new Sgd(List.of(w), 0.1, 0.9, 0)) {
            backward(w, new int[]{1, 2, 2}, uniform(3 * D));
            IllegalStateException a = assertThrows(IllegalStateException.class, adam::step);
            assertTrue(a.getMessage().contains("embedding") && a.getMessage().contains("SparseAdam"), a.getMessage());
            IllegalStateException m = assertThrows(IllegalStateException.class, momentum::step);
            assertTrue(m.getMessage().contains("embedding") && m.getMessage().contains("momentum"), m.getMessage());
            assertEquals(0, adam.stepCount(), "a refused step takes none");
        }
        assertArrayEquals(before, w.value().toDoubleArray(), 0.0, "nothing was updated");
        Variable table = param("table", V, D);
        try (SparseAdam sparseAdam = new SparseAdam(List.of(table), 0.1)) {
            try (Scope s = e.scope(); Tape tape = Tape.record()) {
                tape.backward(F.sum(table));
            }
            IllegalStateException d = assertThrows(IllegalStateException.class, sparseAdam::step);
            assertTrue(d.getMessage().contains("table") && d.getMessage().contains("Adam"), d.getMessage());
        }
    }

    /** A plain parameter (dense gradient from birth) also takes a sparse gradient; float32 follows the float64 reference. */
    @Test
    void sparseAdamInFloat32FollowsTheReferenceToFloatRounding() {
        double[] w0 = uniform(V * D);
        Variable w = Variable.parameter("embedding", e.fromDoubles(DType.FLOAT32, w0, V, D));
        double[] p = new double[V * D];
        for (int i = 0; i < p.length; i++) p[i] = (float) w0[i];
        double[] m = new double[V * D], v = new double[V * D];
        try (SparseAdam adam = new SparseAdam(List.of(w), 0.01)) {
            for (int step = 1; step <= 3; step++) {
                int[] idx = TestSeeds.indices(random, 8, V, 5);
                double[] up = uniform(idx.length * D);
                for (int i = 0; i < up.length; i++) up[i] = (float) up[i];
                adam.zeroGrad();
                try (Scope s = e.scope(); Tape tape = Tape.record()) {
                    Variable weights = Variable.constant(e.fromDoubles(DType.FLOAT32, up, idx.length, D));
                    tape.backward(F.sum(F.mul(F.embedding(w, e.fromInts(idx, idx.length), 0, true), weights)));
                }
                adam.step();
                double[] g = gradient(idx, up);
                boolean[] t = touched(idx);
                double bc1 = 1 - Math.pow(0.9, step), bc2 = 1 - Math.pow(0.999, step);
                for (int i = 0; i < p.length; i++) {
                    if (!t[i / D]) continue;
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    p[i] -= 0.01 * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + 1e-8);
                }
            }
        }
        Tensor value = w.value();
        assertArrayEquals(p, value.toDoubleArray(), 1e-5, "seed " + seed);
    }
}
