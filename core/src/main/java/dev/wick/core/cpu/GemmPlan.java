package dev.wick.core.cpu;

/**
 * One GEMM call, C = alpha * op(A) * op(B) + beta * C, reduced to element strides so that the four
 * transpose combinations, and the swap to C^T = op(B)^T * op(A)^T for narrow outputs, all run
 * through one blocked loop nest; the dtype-specific packing and kernels sit behind {@link Blocks}.
 *
 * <p>The loop nest (after Goto's): for each panel of {@code nc} columns of C and each slice of
 * {@link #KC} of the inner dimension, a panel of op(B) is packed into contiguous rows; then row
 * groups of op(A) are packed and multiplied against it, each slice's products carried into C (the
 * dtype's kernels say how: a chain continued from C's value, or a scratch row added into C).
 * Every element of C therefore sees the same sequence of operations however C is split between
 * threads: results do not depend on the thread count.
 */
final class GemmPlan {
    /** Depth of one slice of the inner dimension: the packed panel is KC rows deep. */
    static final int KC = 256;
    /** Rows of C computed together against one packed panel. */
    static final int ROW_GROUP = 8;
    /**
     * Multiply-adds below which a product stays on the calling thread: a few tens of microseconds
     * of work, too little to be worth handing a share to a worker.
     */
    static final long PARALLEL_MIN_MACS = 1L << 21;
    /**
     * Column splits between threads fall on multiples of this: whole cache lines, and whole blocks
     * of the widest float kernel (48 columns), so that a thread's share ends in narrower kernels
     * only at C's last column.
     */
    private static final int COLUMN_ALIGN = 48;
    /** Outputs narrower than this are computed transposed, so the kernels run along the long side. */
    private static final int NARROW = 16;
    /**
     * Below this many rows of C (a recurrent step's batch, say), with B row-major, threads split
     * whole row groups between them wherever each gets at least one: every thread then interleaves
     * only its own rows of A (split by columns, each would interleave all of them), and none is left
     * C's ragged last columns. The float kernel reads such a B in place, so no thread repeats
     * another's packing of it; a transposed B is gathered into panels, and keeps the column split.
     */
    private static final int FEW_ROWS = 128;

    final int m, n, k;
    final int aOffset, aRowStride, aColStride;
    final int bOffset, bRowStride, bColStride;
    final int cOffset, cRowStride, cColStride;
    /** Whether this plan computes C^T: the caller's B array plays A's part and A's plays B's. */
    final boolean swapped;
    private final boolean splitColumns;

    /** The dtype-specific half of one task: its own scratch, the arrays, alpha and beta. */
    interface Blocks {
        /** Packs op(B)[pc, pc + kb) x [jc, jc + nb) into the panel. */
        void packPanel(int pc, int kb, int jc, int nb);

        /**
         * Multiplies rows [ic, ic + rows) of op(A)[:, pc, pc + kb) by the panel and adds the result
         * into C; {@code first} marks the first slice, where beta applies.
         */
        void multiplyRows(int ic, int rows, int pc, int kb, int jc, int nb, boolean first);
    }

    private GemmPlan(int m, int n, int k, int aOffset, int aRowStride, int aColStride, int bOffset, int bRowStride,
                     int bColStride, int cOffset, int cRowStride, int cColStride, boolean swapped) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.aOffset = aOffset;
        this.aRowStride = aRowStride;
        this.aColStride = aColStride;
        this.bOffset = bOffset;
        this.bRowStride = bRowStride;
        this.bColStride = bColStride;
        this.cOffset = cOffset;
        this.cRowStride = cRowStride;
        this.cColStride = cColStride;
        this.swapped = swapped;
        this.splitColumns = n >= m;
    }

    /** The plan for row-major A, B, C at the given offsets, with m, n, k as in Backend#gemm. */
    static GemmPlan of(boolean transA, boolean transB, int m, int n, int k, int aOffset, int bOffset, int cOffset) {
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        if (n < NARROW && m > n) {
            // C^T = op(B)^T op(A)^T: A's role goes to op(B)^T, B's to op(A)^T, C is walked by columns.
            return new GemmPlan(n, m, k, bOffset, bCol, bRow, aOffset, aCol, aRow, cOffset, 1, n, true);
        }
        return new GemmPlan(m, n, k, aOffset, aRow, aCol, bOffset, bRow, bCol, cOffset, n, 1, false);
    }

    /** How many tasks to split this product into on {@code workers}. */
    int taskCount(CpuWorkers workers) {
        if ((long) m * n * k < PARALLEL_MIN_MACS) return 1;
        int threads = workers.threads();
        if (splitsRowGroups(threads)) return Math.min(threads, m / ROW_GROUP);
        int units = splitColumns ? (n + COLUMN_ALIGN - 1) / COLUMN_ALIGN : m;
        return Math.min(threads, units);
    }

    /** Whether {@code tasks} tasks take whole row groups each (see {@link #FEW_ROWS}). */
    private boolean splitsRowGroups(int tasks) {
        return tasks > 1 && m < FEW_ROWS && m >= tasks * ROW_GROUP && bColStride == 1;
    }

    /** Runs task {@code t} of {@code tasks}: its share of C's columns or rows. */
    void runTask(Blocks blocks, int t, int tasks, int nc) {
        if (splitsRowGroups(tasks)) {
            int groups = (m + ROW_GROUP - 1) / ROW_GROUP;
            int i0 = Math.min(m, ROW_GROUP * CpuWorkers.chunkStart(groups, tasks, t));
            int i1 = Math.min(m, ROW_GROUP * CpuWorkers.chunkStart(groups, tasks, t + 1));
            run(blocks, i0, i1, 0, n, nc);
        } else if (splitColumns) {
            int units = (n + COLUMN_ALIGN - 1) / COLUMN_ALIGN;
            int j0 = Math.min(n, COLUMN_ALIGN * CpuWorkers.chunkStart(units, tasks, t));
            int j1 = Math.min(n, COLUMN_ALIGN * CpuWorkers.chunkStart(units, tasks, t + 1));
            run(blocks, 0, m, j0, j1, nc);
        } else {
            run(blocks, CpuWorkers.chunkStart(m, tasks, t), CpuWorkers.chunkStart(m, tasks, t + 1), 0, n, nc);
        }
    }

    private void run(Blocks blocks, int i0, int i1, int j0, int j1, int nc) {
        for (int jc = j0; jc < j1; jc += nc) {
            int nb = Math.min(nc, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kb = Math.min(KC, k - pc);
                blocks.packPanel(pc, kb, jc, nb);
                for (int ic = i0; ic < i1; ic += ROW_GROUP) {
                    blocks.multiplyRows(ic, Math.min(ROW_GROUP, i1 - ic), pc, kb, jc, nb, pc == 0);
                }
            }
        }
    }
}
