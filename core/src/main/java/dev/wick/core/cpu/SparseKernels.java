package dev.wick.core.cpu;

import java.util.Arrays;

/**
 * The CPU's row-sparse gradient kernels ({@code Backend#coalesceRows}, {@code sparseSgdUpdate},
 * {@code sparseAdamUpdate}), over float and double arrays. A coalesce sorts the lookups by
 * (row, position) and adds each row's terms in position order, exactly the order of
 * {@code FloatKernels.scatterAdd}, so a densified sparse gradient has the bits of the dense one.
 * The updates run the dense optimizer kernels on each touched row.
 */
final class SparseKernels {
    private SparseKernels() {
    }

    /**
     * The lookups whose index is not {@code skipIndex}, as keys (index << 32 | position) sorted
     * ascending: by row, then by position. Indices are non-negative (checked by the caller), so
     * signed order is the order wanted.
     */
    static long[] sortedKeys(int[] idx, int io, int count, int skipIndex) {
        long[] keys = new long[count];
        int kept = 0;
        for (int p = 0; p < count; p++) {
            int row = idx[io + p];
            if (row != skipIndex) keys[kept++] = ((long) row << 32) | p;
        }
        if (kept < count) keys = Arrays.copyOf(keys, kept);
        Arrays.sort(keys);
        return keys;
    }

    /** Where each distinct row's run of sorted keys starts, followed by keys.length. */
    static int[] runStarts(long[] keys) {
        int[] starts = new int[keys.length + 1];
        int runs = 0;
        for (int k = 0; k < keys.length; k++) {
            if (k == 0 || (keys[k] >>> 32) != (keys[k - 1] >>> 32)) starts[runs++] = k;
        }
        starts[runs] = keys.length;
        return Arrays.copyOf(starts, runs + 1);
    }

    private static int row(long key) {
        return (int) (key >>> 32);
    }

    private static int position(long key) {
        return (int) key;
    }

    /** Runs [from, to): rows[q] = the run's row, values[q, :] = +0 plus its terms in position order. */
    static void sumRuns(float[] s, int so, long[] keys, int[] starts, int from, int to, int rowLength,
                        int[] rows, int ro, float[] v, int vo) {
        for (int q = from; q < to; q++) {
            rows[ro + q] = row(keys[starts[q]]);
            int vb = vo + q * rowLength;
            Arrays.fill(v, vb, vb + rowLength, 0f);
            for (int k = starts[q]; k < starts[q + 1]; k++) {
                int sb = so + position(keys[k]) * rowLength;
                for (int j = 0; j < rowLength; j++) v[vb + j] += s[sb + j];
            }
        }
    }

    static void sumRuns(double[] s, int so, long[] keys, int[] starts, int from, int to, int rowLength,
                        int[] rows, int ro, double[] v, int vo) {
        for (int q = from; q < to; q++) {
            rows[ro + q] = row(keys[starts[q]]);
            int vb = vo + q * rowLength;
            Arrays.fill(v, vb, vb + rowLength, 0.0);
            for (int k = starts[q]; k < starts[q + 1]; k++) {
                int sb = so + position(keys[k]) * rowLength;
                for (int j = 0; j < rowLength; j++) v[vb + j] += s[sb + j];
            }
        }
    }

    /** A dense update applied to one touched row: slot q of the gradient, row r of the table. */
    @FunctionalInterface
    interface RowUpdate {
        void apply(int q, int r);
    }

    /**
     * Slots [from, to) of a coalesced gradient: {@code update} for each that holds a row (the
     * padding, rows of -1, is skipped). The optimizers' dense kernels do the arithmetic, one row at
     * a time, so the sparse and the dense updates of a row are the same operations.
     */
    static void forTouchedRows(int[] rows, int ro, int from, int to, RowUpdate update) {
        for (int q = from; q < to; q++) {
            int r = rows[ro + q];
            if (r >= 0) update.apply(q, r);
        }
    }
}
