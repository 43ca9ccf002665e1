package dev.wick.autograd;

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
 * Cross-entropy with every reduction and label smoothing, against PyTorch's formulas computed on
 * the host, and against finite differences; the fused MEAN path against the general one.
 */
class CrossEntropyTest extends GradTestCase {
    private static final int N = 6, C = 5;
    private int[] targets() {
        int[] target = new int[N];
        for (int i = 0; i < N; i++) target[i] = random.nextInt(C);
        target[random.nextInt(N)] = F.DEFAULT_IGNORE_INDEX;
        return target;
    }

    @Test
    void everyReductionAndSmoothingMatchesPyTorchsFormulaAndChecks() {
        Variable logits = param("logits", awayFromZero(N * C), N, C);
        int[] target = targets();
        Tensor targets = e.fromInts(target, N);
        for (F.Reduction reduction : F.Reduction.values()) {
            for (double smoothing : new double[]{0, 0.1, 0.35, 1}) {
                String what = reduction + " smoothing " + smoothing;
                double[] expected = reference(logits.value().toDoubleArray(), target, F.DEFAULT_IGNORE_INDEX, reduction,
                        smoothing);
                Variable loss = F.crossEntropy(logits, targets, F.DEFAULT_IGNORE_INDEX, reduction, smoothing);
                assertArrayEquals(expected, loss.value().toDoubleArray(), 1e-13, "seed " + seed + " " + what);
                check(what, List.of(logits), () -> {
                    Variable l = F.crossEntropy(logits, targets, F.DEFAULT_IGNORE_INDEX, reduction, smoothing);
                    return reduction == F.Reduction.NONE ? weightedSum(l) : l;
                });
            }
        }
    }

    /** MEAN without smoothing is the fused kernel; SUM divided by the count is the general path. */
    @Test
    void fusedMeanAgreesWithTheGeneralPath() {
        Variable logits = param("logits", awayFromZero(N * C), N, C);
        int[] target = targets();
        Tensor targets = e.fromInts(target, N);
        int counted = 0;
        for (int v : target) if (v != F.DEFAULT_IGNORE_INDEX) counted++;
        int count = counted;
        double[] fusedGrad = gradient(logits, () -> F.crossEntropy(logits, targets));
        double[] generalGrad = gradient(logits, () ->
                F.div(F.crossEntropy(logits, targets, F.DEFAULT_IGNORE_INDEX, F.Reduction.SUM, 0), count));
        assertArrayEquals(fusedGrad, generalGrad, 1e-15, "seed " + seed);
        double fused = F.crossEntropy(logits, targets, F.DEFAULT_IGNORE_INDEX, F.Reduction.MEAN, 0).value().item();
        double general = F.crossEntropy(logits, targets, F.DEFAULT_IGNORE_INDEX, F.Reduction.SUM, 0).value().item() / count;
        assertEquals(general, fused, 1e-14, "seed " + seed);
    }

    @Test
    void everyRowIgnoredGivesNaNForTheMeanAndZeroOtherwise() {
        Variable logits = param("logits", N, C);
        int[] all = new int[N];
        java.util.Arrays.fill(all, 3);
        Tensor targets = e.fromInts(all, N);
        for (double smoothing : new double[]{0, 0.2}) {
            assertTrue(Double.isNaN(F.crossEntropy(logits, targets, 3, F.Reduction.MEAN, smoothing).value().item()));
            assertEquals(0.0, F.crossEntropy(logits, targets, 3, F.Reduction.SUM, smoothing).value().item(), 0.0);
            assertArrayEquals(new double[N], F.crossEntropy(logits, targets, 3, F.Reduction.NONE, smoothing).value()
                    .toDoubleArray(), 0.0);
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingRuns() {
        Variable logits = param("logits", N, C);
        Tensor targets = e.fromInts(new int[]{0, 1, 2, 3, 4, 0}, N);
        for (double bad : new double[]{-0.1, 1.1, Double.NaN}) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> F.crossEntropy(logits, targets, -100, F.Reduction.SUM, bad));
            assertTrue(ex.getMessage().contains("label smoothing"), ex.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, targets, -100, null, 0));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> F.crossEntropy(logits, e.fromInts(new int[]{0, 1, 2}, 3), -100, F.Reduction.NONE, 0.1));
        assertTrue(shape.getMessage().contains("[3]") && shape.getMessage().contains("[6, 5]"), shape.getMessage());
        IndexOutOfBoundsException index = assertThrows(IndexOutOfBoundsException.class,
                () -> F.crossEntropy(logits, e.fromInts(new int[]{0, 1, 5, 3, 4, 0}, N), -100, F.Reduction.SUM, 0.1));
        assertTrue(index.getMessage().contains("index 5") && index.getMessage().contains("position 2"), index.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(Variable.constant(e.zeros(DType.FLOAT64, 6)),
                targets, -100, F.Reduction.SUM, 0));
    }

    private double[] gradient(Variable logits, java.util.function.Supplier<Variable> loss) {
        logits.zeroGrad();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(loss.get());
        }
        return logits.grad().toDoubleArray();
    }

    /**
     * PyTorch's cross_entropy: nll_r = lse_r - x_r[t_r], smooth_r = sum_c (lse_r - x_r[c]) / C,
     * loss_r = (1 - e) nll_r + e smooth_r for rows not ignored, 0 for ignored; MEAN divides the sum
     * by the number of rows not ignored.
     */
    private static double[] reference(double[] x, int[] target, int ignore, F.Reduction reduction, double e) {
        double[] rows = new double[N];
        int count = 0;
        for (int r = 0; r < N; r++) {
            if (target[r] == ignore) continue;
            count++;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < C; c++) max = Math.max(max, x[r * C + c]);
            double sum = 0;
            for (int c = 0; c < C; c++) sum += Math.exp(x[r * C + c] - max);
            double lse = max + Math.log(sum);
            double smooth = 0;
            for (int c = 0; c < C; c++) smooth += lse - x[r * C + c];
            rows[r] = (1 - e) * (lse - x[r * C + target[r]]) + e * smooth / C;
        }
        double total = 0;
        for (double v : rows) total += v;
        return switch (reduction) {
            case NONE -> rows;
            case SUM -> new double[]{total};
            case MEAN -> new double[]{total / count};
        };
    }
}
