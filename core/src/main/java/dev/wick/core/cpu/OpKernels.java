package dev.wick.core.cpu;

import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.util.Arrays;

/**
 * The CPU loops behind the op families: any entry of the op table, through its scalar formula.
 * Each works on a range of rows so that the backend can split it over threads. The arithmetic
 * binary ops get loops of their own where operands run contiguously (C2 vectorises those; a call
 * through the op's formula per element it cannot); everything else goes through the formula.
 */
final class OpKernels {
    private OpKernels() {
    }

    // ---- unary ----------------------------------------------------------------------------------

    static void unary(UnaryOp op, float[] x, int xo, float[] y, int yo, int from, int to) {
        for (int i = from; i < to; i++) y[yo + i] = op.apply(x[xo + i]);
    }

    static void unary(UnaryOp op, double[] x, int xo, double[] y, int yo, int from, int to) {
        for (int i = from; i < to; i++) y[yo + i] = op.apply(x[xo + i]);
    }

    // ---- binary ---------------------------------------------------------------------------------
    // A walk is split into rows along its last dimension; a row's start in each operand comes from
    // the layout, and its elements step by the last dimension's strides (1, or 0 when broadcast).

    static void binary(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, Strides l, int fromRow,
                       int toRow) {
        int inner = l.rank() == 0 ? 1 : l.dim(l.rank() - 1);
        int sa = l.rank() == 0 ? 0 : l.first(l.rank() - 1), sb = l.rank() == 0 ? 0 : l.second(l.rank() - 1);
        for (int r = fromRow; r < toRow; r++) {
            int p = r * inner;
            int ai = ao + (int) l.firstOffset(p), bi = bo + (int) l.secondOffset(p), oi = oo + p;
            if (sa == 1 && sb == 1 && contiguousRow(op, a, ai, b, bi, out, oi, inner)) continue;
            if (sa == 1 && sb == 0 && rowWithScalar(op, a, ai, b[bi], false, out, oi, inner)) continue;
            if (sa == 0 && sb == 1 && rowWithScalar(op, b, bi, a[ai], true, out, oi, inner)) continue;
            for (int j = 0; j < inner; j++) out[oi + j] = op.apply(a[ai + j * sa], b[bi + j * sb]);
        }
    }

    static void binary(BinaryOp op, double[] a, int ao, double[] b, int bo, double[] out, int oo, Strides l,
                       int fromRow, int toRow) {
        int inner = l.rank() == 0 ? 1 : l.dim(l.rank() - 1);
        int sa = l.rank() == 0 ? 0 : l.first(l.rank() - 1), sb = l.rank() == 0 ? 0 : l.second(l.rank() - 1);
        for (int r = fromRow; r < toRow; r++) {
            int p = r * inner;
            int ai = ao + (int) l.firstOffset(p), bi = bo + (int) l.secondOffset(p), oi = oo + p;
            if (sa == 1 && sb == 1 && contiguousRow(op, a, ai, b, bi, out, oi, inner)) continue;
            if (sa == 1 && sb == 0 && rowWithScalar(op, a, ai, b[bi], false, out, oi, inner)) continue;
            if (sa == 0 && sb == 1 && rowWithScalar(op, b, bi, a[ai], true, out, oi, inner)) continue;
            for (int j = 0; j < inner; j++) out[oi + j] = op.apply(a[ai + j * sa], b[bi + j * sb]);
        }
    }

    /** The vectorisable loops of + - * / over two contiguous runs; false for any other op. */
    private static boolean contiguousRow(BinaryOp op, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        switch (op) {
            case ADD -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] + b[bi + j]; }
            case SUB -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] - b[bi + j]; }
            case MUL -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] * b[bi + j]; }
            case DIV -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] / b[bi + j]; }
            default -> { return false; }
        }
        return true;
    }

    private static boolean contiguousRow(BinaryOp op, double[] a, int ai, double[] b, int bi, double[] o, int oi,
                                         int n) {
        switch (op) {
            case ADD -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] + b[bi + j]; }
            case SUB -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] - b[bi + j]; }
            case MUL -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] * b[bi + j]; }
            case DIV -> { for (int j = 0; j < n; j++) o[oi + j] = a[ai + j] / b[bi + j]; }
            default -> { return false; }
        }
        return true;
    }

    /**
     * The same against one value s: o = x op s, or s op x when {@code scalarFirst}; false for ops
     * without a loop here.
     */
    static boolean rowWithScalar(BinaryOp op, float[] x, int xi, float s, boolean scalarFirst, float[] o, int oi,
                                 int n) {
        switch (op) {
            case ADD -> { for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] + s; }
            case MUL -> { for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] * s; }
            case SUB -> {
                if (scalarFirst) for (int j = 0; j < n; j++) o[oi + j] = s - x[xi + j];
                else for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] - s;
            }
            case DIV -> {
                if (scalarFirst) for (int j = 0; j < n; j++) o[oi + j] = s / x[xi + j];
                else for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] / s;
            }
            default -> {
                if (scalarFirst) for (int j = 0; j < n; j++) o[oi + j] = op.apply(s, x[xi + j]);
                else for (int j = 0; j < n; j++) o[oi + j] = op.apply(x[xi + j], s);
            }
        }
        return true;
    }

    static boolean rowWithScalar(BinaryOp op, double[] x, int xi, double s, boolean scalarFirst, double[] o, int oi,
                                 int n) {
        switch (op) {
            case ADD -> { for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] + s; }
            case MUL -> { for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] * s; }
            case SUB -> {
                if (scalarFirst) for (int j = 0; j < n; j++) o[oi + j] = s - x[xi + j];
                else for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] - s;
            }
            case DIV -> {
                if (scalarFirst) for (int j = 0; j < n; j++) o[oi + j] = s / x[xi + j];
                else for (int j = 0; j < n; j++) o[oi + j] = x[xi + j] / s;
            }
            default -> {
                if (scalarFirst) for (int j = 0; j < n; j++) o[oi + j] = op.apply(s, x[xi + j]);
                else for (int j = 0; j < n; j++) o[oi + j] = op.apply(x[xi + j], s);
            }
        }
        return true;
    }

    // ---- reductions -------------------------------------------------------------------------------
    // A unit is one outer index and a block of inner columns. Each column reduces its n elements
    // in axis order, so results depend neither on the thread count nor on the block width. The
    // values are taken into double first (exact), so one routine serves float32 and float64.

    /** Columns per unit at most: few enough to keep the double accumulators in L1. */
    static final int COLUMN_BLOCK = 512;

    /** A thread's working rows for reductions, reused from call to call (none are allocated per step). */
    static final class ReduceScratch {
        final double[] row = new double[COLUMN_BLOCK];
        final double[] acc = new double[COLUMN_BLOCK];
        final double[] shift = new double[COLUMN_BLOCK];
        final int[] index = new int[COLUMN_BLOCK];
    }

    static final ThreadLocal<ReduceScratch> REDUCE_SCRATCH = ThreadLocal.withInitial(ReduceScratch::new);

    /** A unit's input: row r of the reduced axis, columns [0, width) of the unit's block. */
    interface Slab {
        /** dst[j] = x(row, j) for j < width, as doubles. */
        void read(int row, int width, double[] dst);

        /**
         * acc[j] += x(r, j) for rows r in [0, n) in that order, j < width (the plain sums skip the
         * copy into doubles).
         */
        void addRows(int n, int width, double[] acc);
    }

    /**
     * The slab of a float array whose unit starts at {@code base}, rows {@code stride} apart; its
     * plain sums run {@code math}'s column loop.
     */
    static Slab slab(float[] x, int base, int stride, FloatArrayMath math) {
        return new Slab() {
            @Override
            public void read(int row, int width, double[] dst) {
                int at = base + row * stride;
                for (int j = 0; j < width; j++) dst[j] = x[at + j];
            }

            @Override
            public void addRows(int n, int width, double[] acc) {
                math.addRows(x, base, stride, n, width, acc);
            }
        };
    }

    static Slab slab(double[] x, int base, int stride) {
        return new Slab() {
            @Override
            public void read(int row, int width, double[] dst) {
                System.arraycopy(x, base + row * stride, dst, 0, width);
            }

            @Override
            public void addRows(int n, int width, double[] acc) {
                for (int r = 0; r < n; r++) {
                    int at = base + r * stride;
                    for (int j = 0; j < width; j++) acc[j] += x[at + j];
                }
            }
        };
    }

    /**
     * Reduces one unit of {@code width} columns over n rows into acc (values) or index (positions
     * of a selection); row and shift are scratch of at least width.
     */
    static void reduceUnit(ReduceOp op, Slab slab, int n, int width, double[] row, double[] acc, double[] shift,
                           int[] index) {
        switch (op.kind()) {
            case ACCUMULATE -> {
                if (op.shifted()) {
                    select(ReduceOp.MAX, slab, n, width, row, shift, null);
                } else {
                    Arrays.fill(shift, 0, width, 0);
                }
                Arrays.fill(acc, 0, width, 0);
                if (op == ReduceOp.SUM || op == ReduceOp.MEAN) {
                    slab.addRows(n, width, acc);
                } else {
                    for (int r = 0; r < n; r++) {
                        slab.read(r, width, row);
                        for (int j = 0; j < width; j++) acc[j] = op.step(acc[j], row[j], shift[j]);
                    }
                }
                for (int j = 0; j < width; j++) acc[j] = op.finish(acc[j], n, shift[j]);
            }
            case SELECT -> select(op, slab, n, width, row, acc, index);
        }
    }

    private static void select(ReduceOp op, Slab slab, int n, int width, double[] row, double[] best, int[] index) {
        if (n == 0) {
            Arrays.fill(best, 0, width, Double.NEGATIVE_INFINITY); // only logsumexp's shift gets here
            return;
        }
        slab.read(0, width, best);
        if (index != null) Arrays.fill(index, 0, width, 0);
        for (int r = 1; r < n; r++) {
            slab.read(r, width, row);
            for (int j = 0; j < width; j++) {
                if (op.better(row[j], best[j])) {
                    best[j] = row[j];
                    if (index != null) index[j] = r;
                }
            }
        }
    }

    // ---- strided copies ---------------------------------------------------------------------------

    /**
     * Rows written together by {@link #transposeRows}: eight, not a whole cache line's sixteen,
     * because a power-of-two matrix puts every row of the tile in the same L1 set, and sixteen of
     * them outnumber its ways (measured slower than no tiling at all).
     */
    private static final int TRANSPOSE_TILE = 8;

    /** Rows [fromRow, toRow) of a strided copy between arrays of one type (float[], double[], int[]). */
    static void copyStrided(Object src, int so, Object dst, int dOff, Strides l, int fromRow, int toRow) {
        int inner = l.rank() == 0 ? 1 : l.dim(l.rank() - 1);
        int ss = l.rank() == 0 ? 1 : l.first(l.rank() - 1), ds = l.rank() == 0 ? 1 : l.second(l.rank() - 1);
        if (l.rank() == 2 && l.first(0) == 1 && ss != 1 && ds == 1 && src instanceof float[] s && dst instanceof float[] d) {
            transposeRows(s, so, d, dOff, l.second(0), ss, inner, fromRow, toRow);
            return;
        }
        for (int r = fromRow; r < toRow; r++) {
            int p = r * inner;
            int si = so + (int) l.firstOffset(p), di = dOff + (int) l.secondOffset(p);
            if (ss == 1 && ds == 1) {
                System.arraycopy(src, si, dst, di, inner);
            } else if (src instanceof float[] s && dst instanceof float[] d) {
                for (int j = 0; j < inner; j++) d[di + j * ds] = s[si + j * ss];
            } else if (src instanceof double[] s && dst instanceof double[] d) {
                for (int j = 0; j < inner; j++) d[di + j * ds] = s[si + j * ss];
            } else {
                int[] s = (int[]) src, d = (int[]) dst;
                for (int j = 0; j < inner; j++) d[di + j * ds] = s[si + j * ss];
            }
        }
    }

    /**
     * A float matrix transposed: d[dOff + r dRow + j] = s[so + r + j sCol] for rows [from, to).
     * Row by row, every element read would come from another cache line; in tiles of
     * {@link #TRANSPOSE_TILE} rows, each line read serves the whole tile.
     */
    private static void transposeRows(float[] s, int so, float[] d, int dOff, int dRow, int sCol, int inner, int from,
                                      int to) {
        int r = from;
        for (; r + TRANSPOSE_TILE <= to; r += TRANSPOSE_TILE) {
            for (int j = 0; j < inner; j++) {
                int src = so + r + j * sCol, dst = dOff + r * dRow + j;
                for (int i = 0; i < TRANSPOSE_TILE; i++) d[dst + i * dRow] = s[src + i];
            }
        }
        for (; r < to; r++) {
            for (int j = 0, src = so + r, dst = dOff + r * dRow; j < inner; j++) d[dst + j] = s[src + j * sCol];
        }
    }
}
