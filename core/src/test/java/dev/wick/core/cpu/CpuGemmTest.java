package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.TestData;
import dev.wick.core.backend.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * CpuBackend.gemm against a float64 triple loop: all four transpose combinations, alpha/beta
 * variants, degenerate and block-crossing shapes, views at offsets, one to three threads.
 *
 * <p>What is guaranteed across thread counts: bit-identical results. C is split between threads
 * by rows or columns, never along k, and every element of C sees the same sequence of operations
 * whatever the split ({@link #resultsDoNotDependOnTheThreadCount}).
 */
class CpuGemmTest {

    /** m, n, k triples: degenerate, narrow (computed transposed), and crossing KC=256, NC=256/512, row groups of 4 and 8. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 37, 5}, {37, 1, 5}, {5, 3, 1}, {1, 1, 300}, {3, 2, 7},
            {6, 9, 4}, {17, 15, 19}, {33, 600, 3}, {7, 531, 263}, {70, 13, 259}, {5, 300, 515},
            {130, 70, 66}, {4, 4, 257}, {50, 1100, 300},
    };

    private static final double[][] ALPHA_BETA = {{1, 0}, {1, 1}, {-0.5, 0}, {1.5, -0.75}, {0.25, 2}};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void allTransposesShapesAndScalarsMatchTheReference(DType dtype) {
        TestData data = TestData.fresh();
        for (int threads : new int[]{1, 3}) {
            // The default backend (the Vector API kernel, as the tests run with the module) and the
            // portable kernel.
            for (boolean portable : new boolean[]{false, true}) {
                try (CpuBackend backend = portable ? CpuBackend.portable(threads) : new CpuBackend(threads)) {
                    Buffers io = new Buffers(backend, dtype);
                    for (int[] s : SHAPES) {
                        for (int t = 0; t < 4; t++) {
                            double[] ab = ALPHA_BETA[data.nextInt(ALPHA_BETA.length)];
                            checkGemm(io, data, t >= 2, (t & 1) == 1, s[0], s[1], s[2], ab[0], ab[1],
                                    data.nextInt(3) == 0, backend.description());
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void betaZeroIgnoresNanInC(DType dtype) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(2)) {
            Buffers io = new Buffers(backend, dtype);
            for (int[] s : new int[][]{{3, 5, 4}, {9, 520, 260}, {9, 2, 3}}) {
                for (double alpha : new double[]{1, 0.5, 0}) {
                    int m = s[0], n = s[1], k = s[2];
                    double[] a = data.uniform(m * k, 1), b = data.uniform(k * n, 1);
                    double[] nan = new double[m * n];
                    Arrays.fill(nan, Double.NaN);
                    Buffer A = io.put(a), B = io.put(b), C = io.put(nan);
                    backend.gemm(false, true, m, n, k, alpha, A, B, 0.0, C);
                    double[] expected = reference(false, true, m, n, k, alpha, TestData.rounded(dtype, a),
                            TestData.rounded(dtype, b), 0, nan, new double[m * n]);
                    data.assertClose(expected, io.get(C), 64 * k * io.eps(), 64 * k * io.eps(),
                            dtype + " beta=0 with NaN in C, alpha=" + alpha + " shape " + Arrays.toString(s));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void emptyProductsScaleCByBeta(DType dtype) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(2)) {
            Buffers io = new Buffers(backend, dtype);
            double[] c = data.uniform(12, 1);
            Buffer C = io.put(c);
            backend.gemm(false, false, 3, 4, 0, 1.0, io.put(new double[0]), io.put(new double[0]), 2.0, C);
            double[] twice = TestData.rounded(dtype, c);
            for (int i = 0; i < twice.length; i++) twice[i] *= 2;
            data.assertClose(twice, io.get(C), 0, 0, "k=0 gives beta*C");

            double[] nan = new double[12];
            Arrays.fill(nan, Double.NaN);
            Buffer N = io.put(nan);
            backend.gemm(true, false, 3, 4, 0, 1.0, io.put(new double[0]), io.put(new double[0]), 0.0, N);
            data.assertClose(new double[12], io.get(N), 0, 0, "k=0, beta=0 gives zeros even over NaN");

            // m = 0 and n = 0 touch nothing.
            Buffer untouched = io.put(nan);
            backend.gemm(false, false, 0, 4, 3, 1.0, io.put(new double[0]), io.put(new double[12]), 0.0, untouched);
            backend.gemm(false, false, 3, 0, 3, 1.0, io.put(new double[9]), io.put(new double[0]), 0.0, untouched);
            data.assertClose(nan, io.get(untouched), 0, 0, "m=0 or n=0 writes nothing");
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        TestData data = TestData.fresh();
        for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            // Large enough to be split (>= 2^21 multiply-adds): by whole row groups (few rows, the
            // last group short in 44), by columns (n >= m) and by rows. 50 x 1100 x 300 keeps its
            // interleaved A across three panels of B and two slices of the depth.
            for (int[] s : new int[][]{{24, 300, 300}, {44, 500, 100}, {300, 70, 100}, {129, 67, 250}, {130, 400, 50},
                    {50, 1100, 300}}) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = t >= 2, tb = (t & 1) == 1;
                    int m = s[0], n = s[1], k = s[2];
                    assertTrue((long) m * n * k >= GemmPlan.PARALLEL_MIN_MACS, "shape must be split");
                    double[] a = data.uniform(m * k, 1), b = data.uniform(k * n, 1), c = data.uniform(m * n, 1);
                    List<double[]> results = new ArrayList<>();
                    for (boolean portable : new boolean[]{false, true}) {
                        for (int threads : new int[]{1, 2, 3}) {
                            try (CpuBackend backend = portable ? CpuBackend.portable(threads) : new CpuBackend(threads)) {
                                Buffers io = new Buffers(backend, dtype);
                                Buffer C = io.put(c);
                                backend.gemm(ta, tb, m, n, k, 0.75, io.put(a), io.put(b), 0.5, C);
                                results.add(io.get(C));
                            }
                        }
                    }
                    String what = dtype + " " + (ta ? "At" : "A") + (tb ? "Bt" : "B") + " " + Arrays.toString(s);
                    data.assertSameBits(results.get(0), results.get(1), what + ": 2 threads vs 1");
                    data.assertSameBits(results.get(0), results.get(2), what + ": 3 threads vs 1");
                    data.assertSameBits(results.get(3), results.get(4), what + ", portable: 2 threads vs 1");
                    data.assertSameBits(results.get(3), results.get(5), what + ", portable: 3 threads vs 1");
                    double[] bound = new double[m * n];
                    double[] expected = reference(ta, tb, m, n, k, 0.75, TestData.rounded(dtype, a),
                            TestData.rounded(dtype, b), 0.5, TestData.rounded(dtype, c), bound);
                    assertWithinBound(data, expected, results.get(1), bound, k, new Buffers(null, dtype).eps(), what);
                }
            }
        }
    }

    /**
     * The Vector API kernel's promise, element by element and bit for bit. With alpha 1 and beta 0
     * or 1, each element of C is one chain of fused multiply-adds over the whole of k in depth
     * order, from beta C; with other scalars, one chain from zero per KC-deep slice, each slice's
     * alpha chain added into C in order (the first to beta C). Every row count from 1 to 19 (groups
     * of eight, the four-row kernel and partial groups) and columns that end in each tail of the
     * kernels (three vectors, one vector, single columns; five columns also swap the product to
     * C^T), with k across a slice boundary, all four transposes.
     */
    @Test
    void vectorKernelComputesEachElementAsFusedChains() {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(2)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(backend.description().contains("SIMD"),
                    "the Vector API is not available: " + backend.description());
            Buffers io = new Buffers(backend, DType.FLOAT32);
            int k = GemmPlan.KC + 37;
            float[][] scalars = {{1f, 0f}, {1f, 1f}, {0.5f, 0.25f}};
            for (int m = 1; m <= 19; m++) {
                for (int n : new int[]{5, 16 * 3 + 16 + 7, 2 * 16 * 3 + 3}) {
                    for (int t = 0; t < 4; t++) {
                        for (float[] scalar : scalars) {
                            float alpha = scalar[0], beta = scalar[1];
                            boolean ta = t >= 2, tb = (t & 1) == 1;
                            float[] a = floats(data.uniform(m * k, 1)), b = floats(data.uniform(k * n, 1));
                            float[] c0 = floats(data.uniform(m * n, 1));
                            Buffer C = io.put(doubles(c0));
                            backend.gemm(ta, tb, m, n, k, alpha, io.put(doubles(a)), io.put(doubles(b)), beta, C);
                            double[] actual = io.get(C);
                            boolean oneChain = alpha == 1 && (beta == 0 || beta == 1);
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n; j++) {
                                    float c = oneChain && beta == 1 ? c0[i * n + j] : 0f;
                                    for (int p0 = 0; p0 < k; p0 += GemmPlan.KC) {
                                        float chain = oneChain ? c : 0f;
                                        for (int p = p0; p < Math.min(k, p0 + GemmPlan.KC); p++) {
                                            chain = Math.fma(ta ? a[p * m + i] : a[i * k + p], tb ? b[j * k + p] : b[p * n + j],
                                                    chain);
                                        }
                                        c = oneChain ? chain
                                                : p0 == 0 ? alpha * chain + beta * c0[i * n + j] : alpha * chain + c;
                                    }
                                    if (Float.floatToIntBits(c) != Float.floatToIntBits((float) actual[i * n + j])) {
                                        fail(data.context((ta ? "At" : "A") + (tb ? "Bt" : "B") + " m=" + m + " n=" + n
                                                + " k=" + k + " alpha=" + alpha + " beta=" + beta + ": C[" + i + ", " + j
                                                + "] is " + actual[i * n + j] + ", the fused chains give " + c));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    private static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    @Test
    void cMustNotOverlapAOrB() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffer whole = backend.allocate(DType.FLOAT32, 64);
            Buffer a = whole.slice(0, 16), c = whole.slice(8, 16), apart = whole.slice(32, 16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.gemm(false, false, 4, 4, 4, 1, a, apart, 0, c));
            assertTrue(e.getMessage().contains("must not share memory"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.gemm(false, false, 4, 4, 4, 1, apart, a, 0, a));
            // Disjoint views of one array are fine.
            backend.gemm(false, false, 4, 4, 4, 1, a, apart, 0, whole.slice(16, 16));
        }
    }

    private static void checkGemm(Buffers io, TestData data, boolean ta, boolean tb, int m, int n, int k, double alpha,
                                  double beta, boolean atOffsets, String where) {
        double[] a = data.uniform(m * k, 1), b = data.uniform(k * n, 2), c = data.uniform(m * n, 1);
        Buffer A = atOffsets ? io.putAt(a, 3) : io.put(a);
        Buffer B = atOffsets ? io.putAt(b, 11) : io.put(b);
        Buffer C = atOffsets ? io.putAt(c, 5) : io.put(c);
        io.backend.gemm(ta, tb, m, n, k, alpha, A, B, beta, C);
        double[] bound = new double[m * n];
        double[] expected = reference(ta, tb, m, n, k, alpha, TestData.rounded(io.dtype, a), TestData.rounded(io.dtype, b),
                beta, TestData.rounded(io.dtype, c), bound);
        String what = io.dtype + " " + where + " " + (ta ? "At" : "A") + (tb ? "Bt" : "B") + " m=" + m + " n=" + n
                + " k=" + k + " alpha=" + alpha + " beta=" + beta + (atOffsets ? " (views at offsets)" : "");
        assertWithinBound(data, expected, io.get(C), bound, k, io.eps(), what);
    }

    /**
     * Each element within a small multiple of k * eps of the sum of the magnitudes of its terms:
     * the forward error bound of a dot product, far below what a wrong index or a lost term gives.
     */
    private static void assertWithinBound(TestData data, double[] expected, double[] actual, double[] bound, int k,
                                          double eps, String what) {
        for (int i = 0; i < expected.length; i++) {
            double allowed = 2 * (k + 4) * eps * bound[i] + 1e-300;
            if (!(Math.abs(expected[i] - actual[i]) <= allowed)) {
                fail(data.context(what) + ": element " + i + " is " + actual[i] + ", expected " + expected[i]
                        + " (allowed error " + allowed + ")");
            }
        }
    }

    /** C = alpha op(A) op(B) + beta C in double; bound[i] = |alpha| sum |a b| + |beta c|. */
    static double[] reference(boolean ta, boolean tb, int m, int n, int k, double alpha, double[] a, double[] b,
                              double beta, double[] c, double[] bound) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                    abs += Math.abs(av * bv);
                }
                double prev = beta == 0 ? 0 : beta * c[i * n + j];
                out[i * n + j] = alpha * s + prev;
                bound[i * n + j] = Math.abs(alpha) * abs + Math.abs(prev);
            }
        }
        return out;
    }
}
