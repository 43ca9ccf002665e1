package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.ScatterMode;

/**
 * The cases of the conformance suite, one or more per Backend primitive. Each builds its inputs
 * once (so both sides see the same values), then hands the suite the work to do on a side: upload,
 * run the primitive under the timer, read the outputs. Outputs start as NaN wherever the primitive
 * must write them, so an element a kernel forgot shows up as a mismatch.
 */
final class PrimitiveChecks extends Checks {
    private static final int IGNORE = -100;


    PrimitiveChecks(ConformanceSuite suite, Inputs in, ConformanceSizes sizes, DType dtype) {
        super(suite, in, sizes, dtype);
    }

    @Override
    void runAll() {
        fillsAndCopies();
        randomNumbers();
        indexCheck();
        gathers();
        scatters();
        gemms();
        activations();
        losses();
        arithmetic();
        reductions();
        optimizers();
    }

    // ---- fills, copies, transfers ------------------------------------------------------------------

    private void fillsAndCopies() {
        int n = sizes.elements();
        double value = in.value(-3, 3);
        suite.compare("fill", exact, s -> {
            Buffer b = s.nans(n);
            s.timed(() -> s.backend().fill(b, value, n));
            return outputs(s.read(b));
        });
        suite.compare("fill INT32", exact, s -> {
            Buffer b = s.allocate(DType.INT32, n);
            s.timed(() -> s.backend().fill(b, -123457, n));
            return outputs(s.read(b));
        });
        double[] x = in.normal(n, 1);
        suite.compare("copy", exact, s -> {
            Buffer src = s.reals(x);
            Buffer dst = s.nans(n);
            s.timed(() -> s.backend().copy(src, dst, n));
            return outputs(s.read(dst));
        });
        suite.compare("convert to the other floating dtype and back, between slices", exact, s -> {
            Buffer src = s.reals(x);
            DType other = s.real() == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
            Buffer there = s.allocate(other, n);
            s.backend().fill(there, Double.NaN, n);
            Buffer back = s.nans(n);
            int k = n - 9;
            s.timed(() -> {
                s.backend().convert(src.slice(4, k), there.slice(2, k), k);
                s.backend().convert(there, back, n);
            });
            return outputs(s.read(there), s.read(back));
        });
        int[] ints = in.uniformInts(n, Integer.MAX_VALUE);
        suite.compare("copy INT32", exact, s -> {
            Buffer src = s.ints(ints);
            Buffer dst = s.allocate(DType.INT32, n);
            s.timed(() -> s.backend().copy(src, dst, n));
            return outputs(s.read(dst));
        });
        int m = n - 20;
        suite.compare("copy between slices (offsets 7 -> 3)", exact, s -> {
            Buffer src = s.reals(x);
            Buffer dst = s.nans(n);
            s.timed(() -> s.backend().copy(src.slice(7, m), dst.slice(3, m), m));
            return outputs(s.read(dst));
        });
        suite.compare("copy between overlapping slices of one buffer", exact, s -> {
            Buffer b = s.reals(x);
            s.timed(() -> {
                s.backend().copy(b.slice(0, m), b.slice(5, m), m);  // forwards over itself
                s.backend().copy(b.slice(9, m), b.slice(2, m), m);  // backwards over itself
            });
            return outputs(s.read(b));
        });
        suite.compare("upload into and download from slices", exact, s -> {
            Buffer b = s.nans(n);
            s.timed(() -> {
                if (s.real() == DType.FLOAT64) {
                    s.backend().upload(x, 5, b.slice(3, m), m);
                } else {
                    float[] f = new float[x.length];
                    for (int i = 0; i < f.length; i++) f[i] = (float) x[i];
                    s.backend().upload(f, 5, b.slice(3, m), m);
                }
            });
            return outputs(s.read(b.slice(1, n - 1)));
        });
    }

    // ---- random numbers -------------------------------------------------------------------------------

    private void randomNumbers() {
        int n = sizes.elements();
        long seed = in.nextLong();
        double low = in.value(-2, 0), high = in.value(0.5, 3);
        suite.compare("uniform (counter-based)", elementwise, s -> {
            Buffer b = s.nans(n);
            s.timed(() -> s.backend().uniform(b, n, seed, low, high));
            return outputs(s.read(b));
        });
        long[] counters = {in.nextLong(), 3, in.nextLong() >>> 40};
        suite.compare("uniform, the seed in device memory, derived three times", elementwise, s -> {
            Buffer b = s.nans(n);
            Buffer cell = s.ints(new int[]{(int) seed, (int) (seed >>> 32)});
            s.timed(() -> s.backend().uniform(b, n, cell, counters, low, high));
            return outputs(s.read(b));
        });
        long seed2 = in.nextLong();
        double mean = in.value(-1, 1), std = in.value(0.1, 2);
        suite.compare("normal (counter-based)", elementwise, s -> {
            Buffer b = s.nans(n);
            s.timed(() -> s.backend().normal(b, n, seed2, mean, std));
            return outputs(s.read(b));
        });
    }

    // ---- index check ----------------------------------------------------------------------------------

    private void indexCheck() {
        int n = sizes.scatterCount();
        int bound = sizes.vocabulary();
        int[] clean = in.uniformInts(n, bound);
        int[] bad = clean.clone();
        int firstBad = n / 3 + in.nextInt(n / 3);
        bad[firstBad] = bound;                          // one past the end
        bad[firstBad + 1 + in.nextInt(n - firstBad - 1)] = -1;
        int[] ignored = clean.clone();
        for (int i = 0; i < n; i += 3) ignored[i] = IGNORE;
        int lateBad = n - 1 - in.nextInt(n / 4);
        ignored[lateBad] = -7;
        int[] tail = clean.clone();
        tail[n - 1] = Integer.MAX_VALUE;
        suite.compare("firstIndexOutOfRange", exact, s -> {
            Buffer a = s.ints(clean), b = s.ints(bad), c = s.ints(ignored), d = s.ints(tail);
            int[] found = new int[6];
            s.timed(() -> {
                found[0] = s.backend().firstIndexOutOfRange(a, n, bound, 0);
                found[1] = s.backend().firstIndexOutOfRange(b, n, bound, 0);
                found[2] = s.backend().firstIndexOutOfRange(c, n, bound, IGNORE);
                found[3] = s.backend().firstIndexOutOfRange(c, n, bound, 0);
                found[4] = s.backend().firstIndexOutOfRange(d, n, bound, 0);
                found[5] = s.backend().firstIndexOutOfRange(d, n - 1, bound, 0);
            });
            double[] out = new double[found.length];
            for (int i = 0; i < out.length; i++) out[i] = found[i];
            return outputs(out);
        });
    }

    // ---- embedding: gather and scatter-add ---------------------------------------------------------------

    private void gathers() {
        int v = sizes.vocabulary(), d = sizes.rowLength();
        double[] table = in.normal(v * d, 1);
        gather("gather (duplicate-heavy indices)", table, in.duplicateHeavy(sizes.scatterCount(), v), d);
        gather("gather (all-distinct indices)", table, in.distinct(sizes.distinctCount(), v), d);
    }

    private void gather(String name, double[] table, int[] indices, int d) {
        int count = indices.length;
        suite.compare(name, exact, s -> {
            Buffer t = s.reals(table), ix = s.ints(indices), out = s.nans(count * d);
            s.timed(() -> s.backend().gather(t, ix, out, count, d));
            return outputs(s.read(out));
        });
    }

    private void scatters() {
        int v = sizes.vocabulary(), d = sizes.rowLength();
        double[] table = in.normal(v * d, 1);
        int[] heavy = in.duplicateHeavy(sizes.scatterCount(), v);
        int[] distinct = in.distinct(sizes.distinctCount(), v);
        double[] heavySrc = in.normal(heavy.length * d, 1);
        double[] distinctSrc = in.normal(distinct.length * d, 1);
        int hotRow = heavy[0];
        int someRow = distinct[3];
        scatter("scatterAdd ATOMIC (duplicate-heavy)", ScatterMode.ATOMIC, table, heavy, heavySrc, d, -1);
        scatter("scatterAdd ATOMIC (all-distinct, skip index)", ScatterMode.ATOMIC, table, distinct, distinctSrc, d,
                someRow);
        scatter("scatterAdd DETERMINISTIC (duplicate-heavy, skip index)", ScatterMode.DETERMINISTIC, table, heavy,
                heavySrc, d, hotRow);
        scatter("scatterAdd DETERMINISTIC (all-distinct)", ScatterMode.DETERMINISTIC, table, distinct, distinctSrc, d,
                -1);
        scatter("scatterAdd DETERMINISTIC (one index)", ScatterMode.DETERMINISTIC, table, new int[]{someRow},
                java.util.Arrays.copyOf(distinctSrc, d), d, -1);
        suite.repeatable("scatterAdd DETERMINISTIC twice: bit-identical", s -> {
            Buffer t1 = s.reals(table), t2 = s.reals(table), ix = s.ints(heavy), src = s.reals(heavySrc);
            s.timed(() -> {
                s.backend().scatterAdd(t1, ix, src, heavy.length, d, -1, ScatterMode.DETERMINISTIC);
                s.backend().scatterAdd(t2, ix, src, heavy.length, d, -1, ScatterMode.DETERMINISTIC);
            });
            return outputs(s.read(t1), s.read(t2));
        });
    }

    private void scatter(String name, ScatterMode mode, double[] table, int[] indices, double[] src, int d, int skip) {
        int count = indices.length;
        suite.compare(name, norm, s -> {
            Buffer t = s.reals(table), ix = s.ints(indices), sb = s.reals(src);
            s.timed(() -> s.backend().scatterAdd(t, ix, sb, count, d, skip, mode));
            return outputs(s.read(t));
        });
    }

    // ---- GEMM ----------------------------------------------------------------------------------------

    private void gemms() {
        int m = sizes.gemmM(), n = sizes.gemmN(), k = sizes.gemmK();
        double alpha = in.value(0.5, 1.5), beta = in.value(-1, -0.25);
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                String name = "gemm " + (ta ? "T" : "N") + (tb ? "T" : "N") + " (alpha, beta != 0)";
                gemm(name, ta, tb, m, n, k, alpha, beta, in.normal(m * n, 1));
            }
        }
        gemm("gemm NN, beta = 0 over NaN", false, false, m, n, k, alpha, 0, null);
        gemm("gemm TN, k = 1", true, false, m, n, 1, alpha, beta, in.normal(m * n, 1));
        gemm("gemm NT, k = 0 (C = beta C)", false, true, m, n, 0, alpha, beta, in.normal(m * n, 1));
    }

    /** {@code c0 == null} starts C as NaN (valid only with beta == 0). */
    private void gemm(String name, boolean ta, boolean tb, int m, int n, int k, double alpha, double beta, double[] c0) {
        double[] a = in.normal(m * k, 1);
        double[] b = in.normal(k * n, 1);
        suite.compare(name, norm, s -> {
            Buffer A = s.reals(a), B = s.reals(b), C = c0 == null ? s.nans(m * n) : s.reals(c0);
            s.timed(() -> s.backend().gemm(ta, tb, m, n, k, alpha, A, B, beta, C));
            return outputs(s.read(C));
        });
    }

    // ---- activations ---------------------------------------------------------------------------------

    private void activations() {
        int n = sizes.elements();
        double[] y = in.uniform(n, -0.999, 0.999);
        double[] dy = in.normal(n, 1);
        double[] dx0 = in.normal(n, 1);
        suite.compare("tanhBackward", elementwise, s -> {
            Buffer Y = s.reals(y), DY = s.reals(dy), DX = s.nans(n);
            s.timed(() -> s.backend().tanhBackward(Y, DY, DX, n, false));
            return outputs(s.read(DX));
        });
        suite.compare("tanhBackward accumulate", elementwise, s -> {
            Buffer Y = s.reals(y), DY = s.reals(dy), DX = s.reals(dx0);
            s.timed(() -> s.backend().tanhBackward(Y, DY, DX, n, true));
            return outputs(s.read(DX));
        });
        suite.compare("tanhBackward accumulate, dx = dy", elementwise, s -> {
            Buffer Y = s.reals(y), DY = s.reals(dy);
            s.timed(() -> s.backend().tanhBackward(Y, DY, DY, n, true));
            return outputs(s.read(DY));
        });
    }

    // ---- softmax cross-entropy -----------------------------------------------------------------------

    private void losses() {
        int rows = sizes.lossRows(), cols = sizes.lossCols();
        int[] targets = targets(rows, cols, 5);
        softmax("softmaxCrossEntropy (some targets ignored)", rows, cols, in.normal(rows * cols, 3), targets);
        double[] large = in.normal(rows * cols, 40);
        for (int r = 0; r < rows; r++) {
            double shift = (r % 3 - 1) * 1000.0; // rows around -1000, 0 and +1000
            for (int j = 0; j < cols; j++) large[r * cols + j] = (float) (large[r * cols + j] + shift);
        }
        softmax("softmaxCrossEntropy (large logits, |x| ~ 1000)", rows, cols, large, targets);
        int[] none = new int[rows];
        java.util.Arrays.fill(none, IGNORE);
        softmax("softmaxCrossEntropy (every target ignored: NaN)", rows, cols, in.normal(rows * cols, 1), none);
        int wide = sizes.wideLossCols();
        int wideRows = Math.max(4, rows / 8);
        softmax("softmaxCrossEntropy (" + wide + " classes)", wideRows, wide, in.normal(wideRows * wide, 2),
                targets(wideRows, wide, 0));
    }

    /** Targets in [0, cols), one in {@code ignoreEvery} (0: none) ignored. */
    private int[] targets(int rows, int cols, int ignoreEvery) {
        int[] t = in.uniformInts(rows, cols);
        if (ignoreEvery > 0) for (int r = 1; r < rows; r += ignoreEvery) t[r] = IGNORE;
        return t;
    }

    private void softmax(String name, int rows, int cols, double[] logits, int[] targets) {
        suite.compare(name, norm, s -> {
            Buffer x = s.reals(logits), t = s.ints(targets), loss = s.nans(1), grad = s.nans(rows * cols);
            s.timed(() -> s.backend().softmaxCrossEntropy(x, t, rows, cols, IGNORE, loss, grad));
            return outputs(s.read(loss), s.read(grad));
        });
    }

    // ---- elementwise arithmetic ----------------------------------------------------------------------

    private void arithmetic() {
        int n = sizes.elements();
        double[] a = in.normal(n, 1), b = in.normal(n, 1);
        double alpha = in.value(-2, 2);
        suite.compare("axpy", elementwise, s -> {
            Buffer X = s.reals(a), Y = s.reals(b);
            s.timed(() -> s.backend().axpy(alpha, X, Y, n));
            return outputs(s.read(Y));
        });
    }

    // ---- reductions ----------------------------------------------------------------------------------

    private void reductions() {
        int n = sizes.reduction();
        double[] x = in.normal(n, 1);
        suite.compare("squaredNorm", norm, s -> {
            Buffer X = s.reals(x), out = s.nans(1);
            s.timed(() -> s.backend().squaredNorm(X, out, n));
            return outputs(s.read(out));
        });
    }

    // ---- optimizers --------------------------------------------------------------------------------

    private void optimizers() {
        int n = sizes.elements();
        double[] p = in.normal(n, 1), g = in.normal(n, 1), vel = in.normal(n, 0.1);
        double[] m = in.normal(n, 0.1), v = in.uniform(n, 0, 0.01);
        suite.compare("sgdUpdate (weight decay)", elementwise, s -> {
            Buffer P = s.reals(p), G = s.reals(g);
            s.timed(() -> s.backend().sgdUpdate(P, G, null, n, 0.05, 0, 0.01));
            return outputs(s.read(P));
        });
        suite.compare("sgdUpdate (momentum, weight decay)", elementwise, s -> {
            Buffer P = s.reals(p), G = s.reals(g), V = s.reals(vel);
            s.timed(() -> s.backend().sgdUpdate(P, G, V, n, 0.05, 0.9, 0.001));
            return outputs(s.read(P), s.read(V));
        });
        adam("adamUpdate (step 1)", p, g, m, v, 1, 0);
        adam("adamUpdate (step 1000, weight decay)", p, g, m, v, 1000, 0.01);
    }

    private void adam(String name, double[] p, double[] g, double[] m, double[] v, int step, double wd) {
        int n = p.length;
        suite.compare(name, elementwise, s -> {
            Buffer P = s.reals(p), G = s.reals(g), M = s.reals(m), V = s.reals(v);
            s.timed(() -> s.backend().adamUpdate(P, G, M, V, n, 1e-3, 0.9, 0.999, 1e-8, wd, step));
            return outputs(s.read(P), s.read(M), s.read(V));
        });
    }
}
