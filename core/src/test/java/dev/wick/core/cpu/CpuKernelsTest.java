package dev.wick.core.cpu;

import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.TestData;
import dev.wick.core.Shape;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import dev.wick.core.backend.ScatterMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CpuBackend primitive but GEMM against a plain float64 loop written here, in float32 and
 * float64, on one and two threads, with sizes that are not powers of two, views at offsets (the
 * kernels' general path) and aliasing where the interface allows it. LARGE lengths make the
 * two-thread backend split the work.
 */
class CpuKernelsTest {
    /** Above twice the backend's grain for cheap loops: split on two threads. */
    private static final int LARGE = 2 * CpuBackend.CHEAP_GRAIN + 7;

    static Stream<Arguments> configs() {
        return Stream.of(Arguments.of(DType.FLOAT32, 1), Arguments.of(DType.FLOAT32, 2),
                Arguments.of(DType.FLOAT64, 1), Arguments.of(DType.FLOAT64, 2));
    }

    // ---- random -------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void uniformAndNormalEqualCounterRng(DType dtype, int threads) {
        TestData data = TestData.fresh();
        long seed = data.random().nextLong();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int n : new int[]{1, 1001, 70_001}) {
                Buffer u = io.putAt(new double[n], 3), g = io.put(new double[n]);
                backend.uniform(u, n, seed, -0.5, 2.0);
                backend.normal(g, n, seed, 0.25, 3.0);
                double[] eu = new double[n], eg = new double[n];
                for (int i = 0; i < n; i++) {
                    eu[i] = -0.5 + 2.5 * CounterRng.uniform(seed, i);
                    eg[i] = 0.25 + 3.0 * CounterRng.normal(seed, i);
                }
                data.assertSameBits(TestData.rounded(dtype, eu), io.get(u), dtype + " uniform n=" + n + " rng seed " + seed);
                data.assertSameBits(TestData.rounded(dtype, eg), io.get(g), dtype + " normal n=" + n + " rng seed " + seed);
            }
        }
    }

    // ---- copies and fills -----------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void copyFillUploadDownload(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            double[] v = data.uniform(53, 10);
            Buffer src = io.putAt(v, 4), dst = io.putAt(new double[53], 9);
            backend.copy(src, dst, 53);
            data.assertSameBits(TestData.rounded(dtype, v), io.get(dst), "copy between views");
            backend.fill(dst.slice(10, 20), -2.5, 20);
            double[] expected = TestData.rounded(dtype, v);
            Arrays.fill(expected, 10, 30, -2.5);
            data.assertSameBits(expected, io.get(dst), "fill of a slice");

            Buffer ints = backend.allocate(DType.INT32, 9);
            backend.fill(ints, 7, 9);
            Buffer intsCopy = backend.allocate(DType.INT32, 9);
            backend.copy(ints, intsCopy, 9);
            int[] back = new int[9];
            backend.download(intsCopy, back, 0, 9);
            int[] sevens = new int[9];
            Arrays.fill(sevens, 7);
            assertEquals(Arrays.toString(sevens), Arrays.toString(back));
        }
    }

    // ---- elementwise --------------------------------------------------------------------------

    /** Offsets of the inputs and output: all zero and equal (fast path), equal non-zero, all different. */
    private static final int[][] OFFSETS = {{0, 0, 0}, {5, 5, 5}, {1, 6, 3}};

    @ParameterizedTest
    @MethodSource("configs")
    void addMulScaleAxpy(DType dtype, int threads) {
        TestData data = TestData.fresh();
        double u = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int[] off : OFFSETS) {
                for (int n : new int[]{1, 7, 1003, LARGE}) {
                    String at = dtype + " n=" + n + " offsets " + Arrays.toString(off);
                    double[] a = TestData.rounded(dtype, data.uniform(n, 3)), b = TestData.rounded(dtype, data.uniform(n, 3));
                    double[] sum = new double[n], prod = new double[n], scaled = new double[n], axpy = new double[n];
                    double alpha = -1.375; // exact in float: scale and axpy round once or twice, as float ops do
                    for (int i = 0; i < n; i++) {
                        sum[i] = a[i] + b[i];
                        prod[i] = a[i] * b[i];
                        scaled[i] = alpha * a[i];
                        axpy[i] = b[i] + alpha * a[i];
                    }
                    Buffer A = io.putAt(a, off[0]), B = io.putAt(b, off[1]), O = io.putAt(new double[n], off[2]);
                    backend.binary(BinaryOp.ADD, A, B, O, flat(n));
                    data.assertClose(sum, io.get(O), u, 0, "add " + at);
                    backend.binary(BinaryOp.MUL, A, B, O, flat(n));
                    data.assertClose(prod, io.get(O), u, 0, "mul " + at);
                    backend.binaryScalar(BinaryOp.MUL, A, alpha, false, O, n);
                    data.assertClose(scaled, io.get(O), u, 0, "scale " + at);
                    backend.axpy(alpha, A, B, n);
                    data.assertClose(axpy, io.get(B), 3 * u, 3 * u * 3, "axpy " + at);
                    // out aliasing an input
                    backend.binary(BinaryOp.ADD, A, A, A, flat(n));
                    double[] twice = a.clone();
                    for (int i = 0; i < n; i++) twice[i] *= 2;
                    data.assertSameBits(twice, io.get(A), "add in place " + at);
                    backend.binaryScalar(BinaryOp.MUL, A, 0.5, false, A, n);
                    data.assertSameBits(a, io.get(A), "scale in place " + at);
                }
            }
        }
    }

    // ---- activations --------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void tanhMatchesMathTanh(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            double[] special = {0.0, -0.0, 1e-30, -1e-20, 1e-7, 0x1p-11, -0x1p-11, 0x1.0p-11 * 1.01, 1e-3, 0.3, -0.55,
                    1, 5, -9.5, 19, 20, 40, 700, -1e300, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
            double[] random = data.uniform(20_011, 1);
            for (int i = 0; i < random.length; i++) random[i] = Math.copySign(Math.pow(10, 6 * random[i] - 5), random[i]);
            for (double[] x0 : new double[][]{special, random}) {
                double[] x = TestData.rounded(dtype, x0);
                double[] expected = new double[x.length];
                for (int i = 0; i < x.length; i++) expected[i] = Math.tanh(x[i]);
                expected = TestData.rounded(dtype, expected);
                Buffer X = io.putAt(x, 2), Y = io.put(new double[x.length]);
                backend.unary(UnaryOp.TANH, X, Y, x.length);
                // float32: within one float ulp of the correctly rounded value; float64: Math.tanh itself
                double rel = dtype == DType.FLOAT32 ? 0x1p-23 : 0;
                double[] y = io.get(Y);
                data.assertClose(expected, y, rel, Double.MIN_VALUE, dtype + " tanh");
                for (int i = 0; i < x.length; i++) {
                    if (x[i] == 0) {
                        assertEquals(Math.copySign(1, x[i]), Math.copySign(1, y[i]), data.context("sign of tanh(" + x[i] + ")"));
                    }
                }
                backend.unary(UnaryOp.TANH, X, X, x.length);
                data.assertSameBits(y, io.get(X), dtype + " tanh in place");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void tanhBackwardAccumulatesAndMayAliasDy(DType dtype, int threads) {
        TestData data = TestData.fresh();
        double u = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int n : new int[]{5, 4099, LARGE}) {
                double[] y = data.uniform(n, 1);
                y[0] = 0.99999994; // 1 - y^2 cancels badly in float arithmetic
                y = TestData.rounded(dtype, y);
                double[] dy = TestData.rounded(dtype, data.uniform(n, 2)), dx = TestData.rounded(dtype, data.uniform(n, 2));
                double[] fresh = new double[n], accumulated = new double[n], bound = new double[n];
                for (int i = 0; i < n; i++) {
                    fresh[i] = dy[i] * (1 - y[i] * y[i]);
                    accumulated[i] = dx[i] + fresh[i];
                    bound[i] = Math.abs(dx[i]) + Math.abs(fresh[i]);
                }
                Buffer Y = io.putAt(y, 1), DY = io.putAt(dy, 4), DX = io.put(dx);
                backend.tanhBackward(Y, DY, DX, n, true);
                assertWithin(data, accumulated, io.get(DX), bound, 3 * u, dtype + " tanhBackward accumulate n=" + n);
                backend.tanhBackward(Y, DY, DX, n, false);
                data.assertClose(fresh, io.get(DX), 3 * u, 0, dtype + " tanhBackward n=" + n);
                backend.tanhBackward(Y, DY, DY, n, false);
                data.assertClose(fresh, io.get(DY), 3 * u, 0, dtype + " tanhBackward with dx = dy n=" + n);
            }
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void softmaxCrossEntropyMatchesLogSumExp(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            // rows x cols; the last is large enough to be split by rows on two threads
            for (int[] s : new int[][]{{1, 1}, {3, 5}, {37, 101}, {200, 1000}}) {
                int rows = s[0], cols = s[1];
                double[] x = TestData.rounded(dtype, data.uniform(rows * cols, 8));
                int[] t = data.indices(rows, cols);
                int ignore = -100;
                for (int r = 0; r < rows; r++) if (rows > 1 && data.nextInt(4) == 0) t[r] = ignore;
                checkSoftmax(io, data, x, t, rows, cols, ignore, dtype + " " + rows + "x" + cols);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void softmaxCrossEntropyWithHugeLogitsDoesNotOverflow(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            int rows = 6, cols = 7;
            double[] x = TestData.rounded(dtype, data.uniform(rows * cols, 1e4));
            x[3] = 1e4;
            x[cols + 2] = -1e4;
            int[] t = data.indices(rows, cols);
            t[0] = 3; // the largest logit: loss ~0, gradient ~0 with p ~1
            double[] loss = checkSoftmax(io, data, x, t, rows, cols, -1, dtype + " huge logits");
            assertTrue(Double.isFinite(loss[0]), data.context("finite loss with logits of 1e4, got " + loss[0]));
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void softmaxCrossEntropyWithEveryRowIgnoredIsNan(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            int rows = 4, cols = 3;
            Buffer X = io.put(data.uniform(rows * cols, 2));
            Buffer G = io.put(data.uniform(rows * cols, 2)), L = io.put(new double[1]);
            // the ignore index may be a real class (a padding token): here class 1
            backend.softmaxCrossEntropy(X, io.ints(new int[]{1, 1, 1, 1}), rows, cols, 1, L, G);
            assertTrue(Double.isNaN(io.get(L)[0]), data.context("loss over no rows is NaN"));
            data.assertSameBits(new double[rows * cols], io.get(G), "gradient of ignored rows is zero");
        }
    }

    /** Checks loss and gradient against float64 logsumexp; returns the loss. */
    private static double[] checkSoftmax(Buffers io, TestData data, double[] x, int[] t, int rows, int cols, int ignore,
                                         String what) {
        int count = 0;
        for (int r = 0; r < rows; r++) if (t[r] != ignore) count++;
        double total = 0;
        double[] grad = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            if (t[r] == ignore) continue;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[r * cols + j]);
            double s = 0;
            for (int j = 0; j < cols; j++) s += Math.exp(x[r * cols + j] - max);
            // Relative to the row's maximum, never through lse = max + log(s): with logits of 1e4,
            // x - lse would cancel to an absolute error of ulp(1e4), far more than the kernel's.
            total += (max - x[r * cols + t[r]]) + Math.log(s);
            for (int j = 0; j < cols; j++) {
                grad[r * cols + j] = (Math.exp(x[r * cols + j] - max) / s - (j == t[r] ? 1 : 0)) / count;
            }
        }
        double[] loss = {count == 0 ? Double.NaN : total / count};
        Buffer X = io.putAt(x, 3), G = io.putAt(new double[rows * cols], 1), L = io.putAt(new double[1], 2);
        Buffer T = io.ints(t);
        io.backend.softmaxCrossEntropy(X, T, rows, cols, ignore, L, G);
        // float32: a few float ulps; float64: a few ulps of the reference's and the kernel's own
        boolean f32 = io.dtype == DType.FLOAT32;
        double rel = f32 ? 4 * io.eps() : 1e-12;
        data.assertClose(loss, io.get(L), rel, rel, what + ": loss");
        data.assertClose(grad, io.get(G), rel, (f32 ? 1e-10 : 1e-14) / Math.max(1, count), what + ": gradient");
        return io.get(L);
    }

    // ---- bias ---------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void biasAddAndColumnSums(DType dtype, int threads) {
        TestData data = TestData.fresh();
        double eps = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int[] s : new int[][]{{1, 1}, {1, 9}, {9, 1}, {13, 31}, {1000, 301}}) {
                int rows = s[0], cols = s[1];
                String at = dtype + " " + rows + "x" + cols;
                double[] x = TestData.rounded(dtype, data.uniform(rows * cols, 2)), bias = TestData.rounded(dtype, data.uniform(cols, 2));
                double[] out = new double[rows * cols], colSum = new double[cols], colAbs = new double[cols];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        out[r * cols + c] = x[r * cols + c] + bias[c];
                        colSum[c] += x[r * cols + c];
                        colAbs[c] += Math.abs(x[r * cols + c]);
                    }
                }
                Buffer X = io.putAt(x, 2), B = io.putAt(bias, 5), O = io.put(new double[rows * cols]);
                backend.binary(BinaryOp.ADD, X, B, O, Strides.broadcast(Shape.of(rows, cols), Shape.of(cols)));
                data.assertClose(out, io.get(O), eps, 0, "bias add " + at);
                backend.binary(BinaryOp.ADD, X, B, X, Strides.broadcast(Shape.of(rows, cols), Shape.of(cols)));
                data.assertSameBits(io.get(O), io.get(X), "bias add in place " + at);

                Buffer X2 = io.put(x), S = io.putAt(bias, 1);
                // accumulated in double, rounded once at the end
                backend.reduce(ReduceOp.SUM, X2, S, 1, rows, cols);
                assertWithin(data, colSum, io.get(S), colAbs, eps + rows * 0x1p-52, "column sums " + at);
            }
        }
    }

    // ---- reductions -----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void sumAndSquaredNormAccumulateInDouble(DType dtype, int threads) {
        TestData data = TestData.fresh();
        double eps = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int n : new int[]{0, 1, 3, 4097, LARGE}) {
                double[] x = TestData.rounded(dtype, data.uniform(n, 5));
                double s = 0, abs = 0, sq = 0;
                for (double v : x) {
                    s += v;
                    abs += Math.abs(v);
                    sq += v * v;
                }
                Buffer X = io.putAt(x, 3), out = io.putAt(new double[1], 1);
                backend.reduce(ReduceOp.SUM, X, out, 1, n, 1);
                // the sum is computed in double and rounded once to the dtype
                double tol = eps * Math.abs(s) + n * 0x1p-52 * abs + Double.MIN_VALUE;
                assertWithin(data, new double[]{s}, io.get(out), new double[]{1}, tol, dtype + " sum n=" + n);
                backend.squaredNorm(X, out, n);
                assertWithin(data, new double[]{sq}, io.get(out), new double[]{sq}, eps + n * 0x1p-52, dtype + " squaredNorm n=" + n);
            }
        }
    }

    // ---- optimizers -----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void sgdWithAndWithoutMomentum(DType dtype, int threads) {
        TestData data = TestData.fresh();
        double eps = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int n : new int[]{11, LARGE}) {
                double lr = 0.05, momentum = 0.9, decay = 0.01;
                double[] p = TestData.rounded(dtype, data.uniform(n, 1)), v = TestData.rounded(dtype, data.uniform(n, 1));
                double[] p2 = p.clone();
                Buffer P = io.put(p), P2 = io.putAt(p, 4), V = io.putAt(v, 2);
                for (int step = 0; step < 3; step++) {
                    double[] g = TestData.rounded(dtype, data.uniform(n, 1));
                    Buffer G = io.put(g);
                    backend.sgdUpdate(P, G, V, n, lr, momentum, decay);
                    backend.sgdUpdate(P2, G, null, n, lr, 0, decay);
                    for (int i = 0; i < n; i++) {
                        double gi = g[i] + decay * p[i];
                        v[i] = momentum * v[i] + gi;
                        p[i] -= lr * v[i];
                        p2[i] -= lr * (g[i] + decay * p2[i]);
                    }
                    double tol = 20 * eps;
                    data.assertClose(p, io.get(P), tol, tol, dtype + " sgd momentum param n=" + n + " step " + step);
                    data.assertClose(v, io.get(V), tol, tol, dtype + " sgd momentum velocity n=" + n + " step " + step);
                    data.assertClose(p2, io.get(P2), tol, tol, dtype + " sgd param n=" + n + " step " + step);
                    p = TestData.rounded(dtype, io.get(P));
                    v = TestData.rounded(dtype, io.get(V));
                    p2 = TestData.rounded(dtype, io.get(P2));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void adamMatchesTheReferenceFormula(DType dtype, int threads) {
        TestData data = TestData.fresh();
        double eps = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int[] offsets : new int[][]{{0, 0, 0, 0}, {1, 2, 3, 4}}) {
                int n = offsets[0] == 0 ? LARGE : 17;
                double lr = 1e-2, b1 = 0.9, b2 = 0.999, adamEps = 1e-8, decay = 0.01;
                double[] p = TestData.rounded(dtype, data.uniform(n, 1)), m = new double[n], v = new double[n];
                Buffer P = io.putAt(p, offsets[0]), M = io.putAt(m, offsets[2]), V = io.putAt(v, offsets[3]);
                for (int step = 1; step <= 3; step++) {
                    double[] g = TestData.rounded(dtype, data.uniform(n, 1));
                    backend.adamUpdate(P, io.putAt(g, offsets[1]), M, V, n, lr, b1, b2, adamEps, decay, step);
                    double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
                    // forward error bounds: m cancels (its terms' magnitudes bound its error), and the
                    // step lr m^ / (s + eps), s = sqrt(v^), is ill-conditioned where s is near eps
                    double[] mBound = new double[n], pBound = new double[n];
                    for (int i = 0; i < n; i++) {
                        double gi = g[i] + decay * p[i];
                        double mTerms = b1 * Math.abs(m[i]) + (1 - b1) * (Math.abs(g[i]) + Math.abs(decay * p[i]));
                        m[i] = b1 * m[i] + (1 - b1) * gi;
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                        double sq = Math.sqrt(v[i] / bc2), den = sq + adamEps;
                        double update = lr * (m[i] / bc1) / den;
                        p[i] -= update;
                        mBound[i] = mTerms;
                        pBound[i] = Math.abs(p[i]) + Math.abs(update)
                                + lr * (mTerms / bc1 / den + Math.abs(m[i] / bc1) * sq / (den * den));
                    }
                    String at = dtype + " adam n=" + n + " step " + step;
                    assertWithin(data, p, io.get(P), pBound, 16 * eps, at + " param");
                    assertWithin(data, m, io.get(M), mBound, 8 * eps, at + " m");
                    data.assertClose(v, io.get(V), 8 * eps, 8 * eps, at + " v");
                    p = io.get(P);
                    m = io.get(M);
                    v = io.get(V);
                }
            }
        }
    }

    // ---- embedding ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("configs")
    void gatherCopiesRowsIncludingRepeats(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            for (int[] s : new int[][]{{1, 1, 1}, {7, 3, 20}, {50, 33, 9000}}) {
                int vocab = s[0], dim = s[1], count = s[2];
                double[] table = TestData.rounded(dtype, data.uniform(vocab * dim, 1));
                int[] idx = data.indices(count, Math.min(vocab, 5)); // repeats
                double[] expected = new double[count * dim];
                for (int p = 0; p < count; p++) System.arraycopy(table, idx[p] * dim, expected, p * dim, dim);
                Buffer out = io.putAt(new double[count * dim], 3);
                backend.gather(io.putAt(table, 2), io.ints(idx), out, count, dim);
                data.assertSameBits(expected, io.get(out), dtype + " gather " + Arrays.toString(s));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void scatterAddAccumulatesRepeatedRowsAndSkipsPadding(DType dtype, int threads) {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(threads)) {
            Buffers io = new Buffers(backend, dtype);
            // vocab x dim, count: small, duplicate-heavy, and large enough to be split by rows
            for (int[] s : new int[][]{{1, 3, 4}, {10, 7, 50}, {97, 129, 2100}}) {
                int vocab = s[0], dim = s[1], count = s[2];
                double[] table = TestData.rounded(dtype, data.uniform(vocab * dim, 1));
                double[] src = TestData.rounded(dtype, data.uniform(count * dim, 1));
                // count >> vocab: each row looked up many times, the rows at the threads' boundaries too
                int[] idx = data.indices(count, vocab);
                int skip = vocab > 1 ? idx[0] : -1;
                for (ScatterMode mode : ScatterMode.values()) {
                    Buffer T = io.putAt(table, 1);
                    backend.scatterAdd(T, io.ints(idx), io.putAt(src, 6), count, dim, skip, mode);
                    double[] actual = io.get(T);
                    // reference 1: index order, sequentially (the CPU's own order: exact)
                    double[] sequential = table.clone();
                    for (int p = 0; p < count; p++) {
                        if (idx[p] == skip) continue;
                        for (int j = 0; j < dim; j++) {
                            int at = idx[p] * dim + j;
                            sequential[at] = dtype == DType.FLOAT32 ? (float) (sequential[at] + src[p * dim + j])
                                    : sequential[at] + src[p * dim + j];
                        }
                    }
                    String what = dtype + " scatterAdd " + mode + " " + Arrays.toString(s) + " skip " + skip;
                    data.assertSameBits(sequential, actual, what + " vs index-order loop");
                    // reference 2: table + onehot^T * src, through gemm
                    double[] onehot = new double[count * vocab];
                    for (int p = 0; p < count; p++) if (idx[p] != skip) onehot[p * vocab + idx[p]] = 1;
                    Buffer viaGemm = io.put(table);
                    backend.gemm(true, false, vocab, dim, count, 1.0, io.put(onehot), io.put(src), 1.0, viaGemm);
                    data.assertClose(io.get(viaGemm), actual, count * io.eps(), count * io.eps(), what + " vs one-hot gemm");
                    if (skip >= 0) {
                        data.assertSameBits(Arrays.copyOfRange(table, skip * dim, skip * dim + dim),
                                Arrays.copyOfRange(actual, skip * dim, skip * dim + dim), what + ": padding row unchanged");
                    }
                }
            }
        }
    }

    @Test
    void aRowLookedUpKTimesGetsTheSumOfKRows() {
        TestData data = TestData.fresh();
        try (CpuBackend backend = new CpuBackend(2)) {
            Buffers io = new Buffers(backend, DType.FLOAT64);
            int vocab = 6, dim = 4, k = 9, row = 4;
            int[] idx = new int[k];
            Arrays.fill(idx, row);
            double[] src = new double[k * dim];
            for (int p = 0; p < k; p++) for (int j = 0; j < dim; j++) src[p * dim + j] = p + 1 + 0.25 * j;
            Buffer T = io.put(new double[vocab * dim]);
            backend.scatterAdd(T, io.ints(idx), io.put(src), k, dim, -1, ScatterMode.ATOMIC);
            double[] expected = new double[vocab * dim];
            for (int j = 0; j < dim; j++) expected[row * dim + j] = k * (k + 1) / 2.0 + k * 0.25 * j;
            data.assertSameBits(expected, io.get(T), "row " + row + " looked up " + k + " times");
        }
    }

    @Test
    void firstIndexOutOfRangeFindsTheFirstAndHonoursTheExemption() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffers io = new Buffers(backend, DType.FLOAT32);
            Buffer ix = io.ints(new int[]{0, 4, -100, 5, -1});
            assertEquals(2, backend.firstIndexOutOfRange(ix, 5, 5, 0));
            assertEquals(3, backend.firstIndexOutOfRange(ix, 5, 5, -100));
            assertEquals(-1, backend.firstIndexOutOfRange(ix, 2, 5, 0));
            assertEquals(1, backend.firstIndexOutOfRange(ix.slice(3, 2), 2, 5, 5), "a view counts positions from its start");
        }
    }

    @Test
    void buffersOfTheWrongDTypeAreIllegalArguments() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffer doubles = backend.allocate(DType.FLOAT64, 4), ints = backend.allocate(DType.INT32, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.upload(new float[4], 0, doubles, 4));
            assertTrue(e.getMessage().contains("FLOAT32") && e.getMessage().contains("FLOAT64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.unary(UnaryOp.TANH, ints, ints, 4));
            assertThrows(IllegalArgumentException.class, () -> backend.copy(doubles, ints, 4));
        }
    }

    /** |expected - actual| <= tol * bound element by element. */
    static void assertWithin(TestData data, double[] expected, double[] actual, double[] bound, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            double allowed = tol * bound[i] + Double.MIN_VALUE;
            if (!(Math.abs(expected[i] - actual[i]) <= allowed)) {
                data.assertClose(expected, actual, 0, 0, what + " (allowed error at element " + i + ": " + allowed + ")");
            }
        }
    }

    private static Strides flat(int n) {
        return Strides.of(new int[]{n}, new int[]{1}, new int[]{1});
    }
}
