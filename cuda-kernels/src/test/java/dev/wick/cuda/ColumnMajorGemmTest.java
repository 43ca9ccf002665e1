package dev.wick.cuda;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wick's row-major GEMM handed to a column-major BLAS as {@link ColumnMajorGemm} says (both cuBLAS
 * bindings do it this way) gives Wick's row-major result, for every transpose and odd sizes.
 */
class ColumnMajorGemmTest {

    private static double[] random(SplittableRandom r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextDouble(-1, 1);
        return x;
    }

    /** The row-major GEMM through a column-major BLAS call built by {@code g}: B first, then A. */
    private static double[] throughColumnMajor(ColumnMajorGemm g, double alpha, double[] a, double[] b, double beta,
                                               double[] c) {
        double[] out = c.clone();
        int status = ColumnMajorBlas.gemm(g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), alpha, b, g.ldFirst(), a,
                g.ldSecond(), beta, out, g.ldc());
        assertEquals(ColumnMajorBlas.SUCCESS, status, "cuBLAS would refuse " + g);
        return out;
    }

    private static double maxDifference(double[] x, double[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    @Test
    void rowMajorResultForEveryTransposeAndOddSizes() {
        long seed = System.nanoTime();
        System.out.println("ColumnMajorGemmTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 300; trial++) {
            boolean transA = r.nextBoolean(), transB = r.nextBoolean();
            int m = 1 + r.nextInt(17), n = 1 + r.nextInt(17), k = 1 + r.nextInt(17);
            double alpha = r.nextDouble(-2, 2), beta = trial % 4 == 0 ? 0 : r.nextDouble(-2, 2);
            double[] a = random(r, m * k), b = random(r, k * n), c = random(r, m * n);
            if (beta == 0) Arrays.fill(c, Double.NaN); // beta == 0 must ignore C entirely
            double[] expected = c.clone();
            ColumnMajorBlas.rowMajorGemm(transA, transB, m, n, k, alpha, a, b, beta, expected);
            double[] actual = throughColumnMajor(ColumnMajorGemm.forRowMajor(transA, transB, m, n, k), alpha, a, b, beta, c);
            String what = "seed " + seed + ", trial " + trial + ": " + (transA ? "T" : "N") + (transB ? "T" : "N") + " "
                    + m + "x" + n + "x" + k;
            assertTrue(maxDifference(expected, actual) <= 1e-12, what);
        }
    }

    @Test
    void operandsSwapAndLeadingDimensionsAreTheStoredRowLengths() {
        // C 2 x 3 = A (2 x 5) B (5 x 3): cuBLAS computes C^T (3 x 2) = B^T A^T
        assertEquals(new ColumnMajorGemm(false, false, 3, 2, 5, 3, 5, 3), ColumnMajorGemm.forRowMajor(false, false, 2, 3, 5));
        // A stored 5 x 2 (transposed), B stored 3 x 5 (transposed)
        ColumnMajorGemm tt = ColumnMajorGemm.forRowMajor(true, true, 2, 3, 5);
        assertEquals(new ColumnMajorGemm(true, true, 3, 2, 5, 5, 2, 3), tt);
        assertEquals(ColumnMajorGemm.OP_T, tt.opFirst());
        assertEquals(ColumnMajorGemm.OP_T, tt.opSecond());
        // an empty inner dimension still has leading dimensions of at least 1
        ColumnMajorGemm empty = ColumnMajorGemm.forRowMajor(false, false, 4, 1, 0);
        assertEquals(1, empty.ldSecond());
        assertEquals(1, empty.ldFirst());
    }

    @Test
    void theComparisonCatchesAWrongMapping() {
        // the same check with A and B handed over unswapped must fail, or the test above proves nothing
        SplittableRandom r = new SplittableRandom(7);
        int m = 3, n = 5, k = 4;
        double[] a = random(r, m * k), b = random(r, k * n), c = new double[m * n];
        double[] expected = c.clone();
        ColumnMajorBlas.rowMajorGemm(false, false, m, n, k, 1, a, b, 0, expected);
        double[] wrong = c.clone();
        int status = ColumnMajorBlas.gemm(ColumnMajorGemm.OP_N, ColumnMajorGemm.OP_N, m, n, k, 1, a, m, b, k, 0, wrong, m);
        assertEquals(ColumnMajorBlas.SUCCESS, status);
        assertTrue(maxDifference(expected, wrong) > 1e-3, "an unswapped call matched the row-major result");
    }
}
