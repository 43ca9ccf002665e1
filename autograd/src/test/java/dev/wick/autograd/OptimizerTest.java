package dev.wick.autograd;

import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.autograd.optim.Sgd;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Optimizer updates against the formulas written out by hand. */
class OptimizerTest {
    private final Engine e = Wick.cpu();

    @AfterEach
    void close() {
        e.close();
    }

    private Variable param(double[] value, double[] grad) {
        Variable p = Variable.parameter("p", e.fromDoubles(value, value.length));
        p.grad().copyFromInPlace(e.fromDoubles(grad, grad.length));
        return p;
    }

    @Test
    void sgdWithMomentumAndWeightDecay() {
        double[] w = {1.0, -2.0, 0.5};
        double[] g = {0.1, 0.2, -0.3};
        Variable p = param(w, g);
        try (Sgd sgd = new Sgd(List.of(p), 0.1, 0.9, 0.01)) {
            double[] v = new double[3];
            for (int step = 0; step < 3; step++) {
                sgd.step();
                for (int i = 0; i < 3; i++) {
                    double gi = g[i] + 0.01 * w[i];
                    v[i] = 0.9 * v[i] + gi;
                    w[i] -= 0.1 * v[i];
                }
            }
        }
        assertArrayEquals(w, p.value().toDoubleArray(), 1e-12);
    }

    @Test
    void adamMatchesTheFormulaWithBiasCorrection() {
        double[] w = {1.0, -2.0, 0.5, 0.0};
        double[] g = {0.1, -0.2, 3.0, 0.0};
        Variable p = param(w, g);
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        try (Adam adam = new Adam(List.of(p), lr, b1, b2, eps, wd)) {
            double[] m = new double[4], v = new double[4];
            for (int step = 1; step <= 4; step++) {
                adam.step();
                for (int i = 0; i < 4; i++) {
                    double gi = g[i] + wd * w[i];
                    m[i] = b1 * m[i] + (1 - b1) * gi;
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    double mh = m[i] / (1 - Math.pow(b1, step)), vh = v[i] / (1 - Math.pow(b2, step));
                    w[i] -= lr * mh / (Math.sqrt(vh) + eps);
                }
            }
            assertEquals(4, adam.stepCount());
            assertArrayEquals(w, p.value().toDoubleArray(), 1e-12);
            assertArrayEquals(m, adam.firstMoment(0).toDoubleArray(), 1e-15);
        }
    }

    @Test
    void clipByGlobalNormScalesAllGradientsTogether() {
        Variable a = param(new double[]{0, 0}, new double[]{3, 0});
        Variable b = param(new double[]{0}, new double[]{4});
        double norm = GradClip.clipGlobalNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-12);
        double f = 1.0 / (5.0 + 1e-6);
        assertArrayEquals(new double[]{3 * f, 0}, a.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(new double[]{4 * f}, b.grad().toDoubleArray(), 1e-12);
        // Under the bound, nothing changes.
        assertEquals(1.0, GradClip.clipGlobalNorm(List.of(a, b), 2.0), 1e-5);
        assertArrayEquals(new double[]{4 * f}, b.grad().toDoubleArray(), 1e-12);
    }

    /** float64 and float32 gradients together: their squared norms cannot be stacked, and still all count. */
    @Test
    void clipByGlobalNormCountsGradientsOfEitherFloatingType() {
        Variable a = param(new double[]{0, 0}, new double[]{3, 0});
        Variable b = Variable.parameter("b", e.fromDoubles(DType.FLOAT32, new double[]{0}, 1));
        b.grad().copyFromInPlace(e.fromDoubles(DType.FLOAT32, new double[]{4}, 1));
        Variable c = param(new double[]{0}, new double[]{12});
        assertEquals(13.0, GradClip.clipGlobalNorm(List.of(a, b, c), 1.0), 0);
        double f = 1.0 / (13.0 + 1e-6);
        assertArrayEquals(new double[]{3 * f, 0}, a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{4 * f}, b.grad().toDoubleArray(), 1e-7);
        assertArrayEquals(new double[]{12 * f}, c.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void rejectsBadHyperparametersAndNonParameters() {
        Variable p = param(new double[]{1}, new double[]{1});
        assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), -1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), 0.1, 1.0, 0.9, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(Variable.constant(e.zeros(DType.FLOAT64, 1))), 0.1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGlobalNorm(List.of(p), 0));
    }
}
