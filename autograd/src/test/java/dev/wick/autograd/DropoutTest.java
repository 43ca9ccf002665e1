package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inverted dropout: its mask is a function of the seed, its scaling 1 / (1 - p), its gradient the same mask. */
class DropoutTest extends GradTestCase {
    @Test
    void theMaskIsUniformAtLeastPScaledAndAFunctionOfTheSeed() {
        double p = 0.3;
        long maskSeed = random.nextLong();
        Variable x = param("x", awayFromZero(10007), 10007);
        double[] y = F.dropout(x, p, true, maskSeed).value().toDoubleArray();
        double[] u = e.uniform(DType.FLOAT64, maskSeed, 0, 1, 10007).toDoubleArray();
        double[] v = x.value().toDoubleArray();
        int dropped = 0;
        for (int i = 0; i < y.length; i++) {
            double expected = u[i] >= p ? v[i] * (1 / (1 - p)) : 0.0;
            assertEquals(expected, y[i], Math.ulp(expected), "seed " + seed + " element " + i);
            if (u[i] < p) dropped++;
        }
        assertTrue(Math.abs(dropped / 10007.0 - p) < 0.03, "seed " + seed + ": dropped " + dropped);
        assertArrayEquals(y, F.dropout(x, p, true, maskSeed).value().toDoubleArray(), 0.0, "same seed, same mask");
        assertFalse(java.util.Arrays.equals(y, F.dropout(x, p, true, maskSeed + 1).value().toDoubleArray()),
                "another seed, another mask");
    }

    @Test
    void theMaskIsTheSameInFloat32() {
        long maskSeed = random.nextLong();
        Tensor x32 = e.uniform(DType.FLOAT32, 5, 0.5, 1, 4, 33);
        float[] y = F.dropout(Variable.constant(x32), 0.5, true, maskSeed).value().toFloatArray();
        double[] u = e.uniform(DType.FLOAT32, maskSeed, 0, 1, 4, 33).toDoubleArray();
        float[] v = x32.toFloatArray();
        for (int i = 0; i < y.length; i++) {
            assertEquals(u[i] >= 0.5 ? v[i] * 2f : 0f, y[i], 0f, "seed " + seed + " element " + i);
        }
    }

    @Test
    void gradientIsTheMaskUnderAFixedSeed() {
        Variable x = param("x", 7, 13);
        long maskSeed = random.nextLong();
        for (double p : new double[]{0.1, 0.5, 0.85}) {
            check("dropout p " + p, List.of(x), () -> weightedSum(F.dropout(x, p, true, maskSeed)));
        }
        x.zeroGrad();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            Variable y = F.dropout(x, 0.4, true, maskSeed);
            tape.backward(F.sum(y));
            double[] yv = y.value().toDoubleArray(), xv = x.value().toDoubleArray(), g = x.grad().toDoubleArray();
            for (int i = 0; i < g.length; i++) assertEquals(yv[i], xv[i] * g[i], 1e-15, "element " + i);
        }
    }

    @Test
    void identityWhenNotTrainingOrPIsZeroAndZerosWhenPIsOne() {
        Variable x = param("x", 3, 5);
        assertSame(x, F.dropout(x, 0.5, false, 1), "evaluation: the input itself");
        assertSame(x, F.dropout(x, 0.0, true, 1), "p = 0: the input itself");
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            Variable y = F.dropout(x, 1.0, true, 1);
            assertArrayEquals(new double[15], y.value().toDoubleArray(), 0.0);
            x.zeroGrad();
            tape.backward(F.sum(y));
            assertArrayEquals(new double[15], x.grad().toDoubleArray(), 0.0);
        }
    }

    @Test
    void probabilityOutsideZeroOneIsRefused() {
        Variable x = param("x", 3);
        for (double p : new double[]{-0.1, 1.5, Double.NaN}) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> F.dropout(x, p, true, 1));
            assertTrue(ex.getMessage().contains("[0, 1]"), ex.getMessage());
        }
    }
}
