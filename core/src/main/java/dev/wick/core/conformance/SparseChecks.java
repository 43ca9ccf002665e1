package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;

import java.util.Arrays;

/**
 * The row-sparse gradient primitives: the coalesce (sort, segmented sum, padding) on unsorted
 * indices with many duplicates, more of them than one GPU block or sort tile holds, none a power of
 * two, with and without a padding index; and the sparse SGD and lazy Adam updates, which must
 * leave every row the gradient does not touch as it was.
 */
final class SparseChecks extends Checks {

    SparseChecks(ConformanceSuite suite, Inputs in, ConformanceSizes sizes, DType dtype) {
        super(suite, in, sizes, dtype);
    }

    @Override
    void runAll() {
        coalesces();
        updates();
    }

    // ---- coalesce ---------------------------------------------------------------------------------

    private void coalesces() {
        int v = sizes.vocabulary(), d = sizes.rowLength();
        int[] heavy = in.duplicateHeavy(sizes.scatterCount(), v);
        int[] distinct = in.distinct(sizes.distinctCount(), v);
        double[] heavySrc = in.normal(heavy.length * d, 1);
        coalesce("coalesceRows (duplicate-heavy)", heavy, heavySrc, d, -1);
        coalesce("coalesceRows (duplicate-heavy, padding index)", heavy, heavySrc, d, heavy[0]);
        coalesce("coalesceRows (all-distinct)", distinct, in.normal(distinct.length * d, 1), d, -1);
        coalesce("coalesceRows (one index)", new int[]{distinct[3]}, in.normal(d, 1), d, -1);
        int[] padding = new int[37];
        Arrays.fill(padding, distinct[0]);
        coalesce("coalesceRows (every index the padding one)", padding, in.normal(padding.length * d, 1), d,
                distinct[0]);
        suite.repeatable("coalesceRows twice: bit-identical", s -> {
            double[][] first = run(s, heavy, heavySrc, d, heavy[1]);
            double[][] second = run(s, heavy, heavySrc, d, heavy[1]);
            return outputs(concat(first), concat(second));
        });
    }

    private void coalesce(String name, int[] indices, double[] src, int d, int skip) {
        suite.compare(name, norm, s -> run(s, indices, src, d, skip));
    }

    /** rows, the count and the values of one coalesce (rows and count compared like values: any miss is >= 1). */
    private static double[][] run(Side s, int[] indices, double[] src, int d, int skip) {
        int count = indices.length;
        Buffer ix = s.ints(indices), S = s.reals(src), values = s.nans(count * d);
        Buffer rows = s.allocate(DType.INT32, count), nnz = s.allocate(DType.INT32, 1);
        s.backend().fill(rows, -7, count); // neither a row nor the padding: an unwritten slot shows
        s.backend().fill(nnz, -7, 1);
        s.timed(() -> s.backend().coalesceRows(ix, S, count, d, skip, rows, values, nnz));
        return outputs(s.read(rows), s.read(nnz), s.read(values));
    }

    private static double[] concat(double[][] parts) {
        return Arrays.stream(parts).flatMapToDouble(Arrays::stream).toArray();
    }

    // ---- sparse optimizer updates ------------------------------------------------------------------

    private void updates() {
        int v = sizes.vocabulary(), d = sizes.rowLength();
        int touched = sizes.distinctCount(), capacity = touched + 13;
        int[] rows = new int[capacity];
        Arrays.fill(rows, -1);
        int[] picked = in.distinct(touched, v);
        Arrays.sort(picked);
        System.arraycopy(picked, 0, rows, 0, touched);
        double[] values = in.normal(capacity * d, 1);
        Arrays.fill(values, touched * d, capacity * d, 0.0);
        double[] p = in.normal(v * d, 1), m = in.normal(v * d, 0.1), second = in.uniform(v * d, 0, 0.01);
        suite.compare("sparseSgdUpdate (weight decay)", elementwise, s -> {
            Buffer P = s.reals(p), R = s.ints(rows), G = s.reals(values);
            s.timed(() -> s.backend().sparseSgdUpdate(P, R, G, capacity, d, 0.05, 0.01));
            return outputs(s.read(P));
        });
        for (int step : new int[]{1, 1000}) {
            suite.compare("sparseAdamUpdate (step " + step + ")", elementwise, s -> {
                Buffer P = s.reals(p), R = s.ints(rows), G = s.reals(values), M = s.reals(m), V = s.reals(second);
                s.timed(() -> s.backend().sparseAdamUpdate(P, R, G, M, V, capacity, d, 1e-3, 0.9, 0.999, 1e-8, step));
                return outputs(s.read(P), s.read(M), s.read(V));
            });
        }
    }
}
