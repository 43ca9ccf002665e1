package dev.wick.core.cpu;

import java.util.Arrays;

/**
 * float32 GEMM: the packing and the kernels behind {@link GemmPlan}.
 *
 * <p>Two kernels multiply a group of rows of A by a panel of B. With the Vector API,
 * {@link FloatArrayMath#multiplyBlock}: register-blocked, on a group of A's rows interleaved and
 * on B in place or packed flat (BENCHMARKS.md has its rates against libtorch's). Else the portable
 * {@link #multiplyPanel} here, on packed operands: it adds four packed panel rows, weighted by four
 * elements of a row of A, into one C row kept in a zero-based scratch array. C2 vectorises it
 * because every array in it is indexed by the bare loop variable (an invariant offset on any of
 * them stops it on JDK 17) and its body is small enough to be unrolled; four rows of B per pass
 * measured best (fewer re-reads of the accumulator, still under the unrolling limit), and far
 * ahead of a triple loop.
 */
final class FloatGemm {
    /**
     * Columns of C per packed panel: KC x NC floats (about 528 KB) stay in a core's L2, and NC is a
     * multiple of the widest kernel's 48 columns (three 512-bit vectors), so that only the last
     * panel of a row ends in narrower kernels.
     */
    static final int NC = 528;
    /**
     * Row stride of the flat packed panel: a little over NC, because rows a power of two apart
     * compete for the same L1 sets (reading a 1024-wide B in place measured 15% slower).
     */
    private static final int FLAT_STRIDE = NC + 16;
    /** Below this many rows of C, the direct kernel reads a row-major B in place instead of packing it. */
    private static final int DIRECT_B_MAX_ROWS = 128;
    /**
     * Most floats of A kept interleaved for a whole product (see {@link Task#interleaved}): a
     * recurrent step's 32 x 2,048 operand, and far from an L2's size.
     */
    private static final int A_CACHE_MAX = 1 << 17;

    private FloatGemm() {
    }

    /** Per-thread packing buffers and accumulators, reused by every call on that thread. */
    private static final class Scratch {
        final float[][] panel = new float[GemmPlan.KC][NC];
        /** The portable kernel's accumulator rows. */
        final float[][] acc = new float[GemmPlan.ROW_GROUP][NC];
        /** The block kernel's rows where it does not work in C itself (see Task#multiplyRows): row r at r * NC. */
        final float[] blockRows = new float[GemmPlan.ROW_GROUP * NC];
        final float[] aPack = new float[GemmPlan.ROW_GROUP * GemmPlan.KC];
        /** Every row group and slice of A interleaved, for products that read B in place. */
        private float[] aCache = new float[0];

        float[] aCache(int length) {
            if (aCache.length < length) aCache = new float[length];
            return aCache;
        }
        /** The packed panel for a kernel that reads A in place: row q at q * FLAT_STRIDE. */
        private float[] flatPanel;

        float[] flatPanel() {
            if (flatPanel == null) flatPanel = new float[GemmPlan.KC * FLAT_STRIDE];
            return flatPanel;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** C = alpha * op(A) * op(B) + beta * C, as Backend#gemm, on arrays at the given offsets. */
    static void gemm(CpuWorkers workers, FloatArrayMath math, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int aOffset, float[] b, int bOffset, float beta, float[] c, int cOffset) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0) {
            // op(A) op(B) contributes nothing (as in BLAS, A and B are not read when alpha is 0).
            scale(c, cOffset, m * n, beta);
            return;
        }
        GemmPlan plan = GemmPlan.of(transA, transB, m, n, k, aOffset, bOffset, cOffset);
        int tasks = plan.taskCount(workers);
        float[] left = plan.swapped ? b : a, right = plan.swapped ? a : b;
        workers.forTasks(tasks, t -> plan.runTask(new Task(plan, SCRATCH.get(), math, left, right, c, alpha, beta), t, tasks, NC));
    }

    private static void scale(float[] c, int offset, int length, float beta) {
        if (beta == 0) {
            Arrays.fill(c, offset, offset + length, 0f);
        } else if (beta != 1) {
            for (int i = offset, end = offset + length; i < end; i++) c[i] *= beta;
        }
    }

    private static final class Task implements GemmPlan.Blocks {
        private final GemmPlan p;
        private final float[][] panel;
        private final float[][] acc;
        private final float[] blockRows;
        private final float[] aPack;
        private final FloatArrayMath math;
        private final float[] a, b, c;
        private final float alpha, beta;
        /** The block kernel: A's rows interleaved, B read in place unless transposed (then packed flat). */
        private final boolean direct;
        private final float[] flatPanel;
        /** Where the current panel's rows are for the direct kernel: B itself or flatPanel. */
        private float[] panelArray;
        private int panelBase, panelRowStride;
        /** Whether the direct kernel reads a row-major B in place (few rows of A to share a packed panel). */
        private final boolean bInPlace;
        /**
         * Where B is read in place and A is small: all of A's row groups and slices interleaved on
         * the first panel of columns, [(ic / ROW_GROUP) slices + pc / KC] blocks of ROW_GROUP x KC,
         * and reused by the later panels (else each panel would interleave them again). Null: each
         * group is interleaved into aPack when it is multiplied.
         */
        private final float[] interleaved;
        private final int slices;
        /** The first panel this task multiplies, the one that fills {@link #interleaved}. */
        private int firstJc = -1;

        Task(GemmPlan p, Scratch s, FloatArrayMath math, float[] a, float[] b, float[] c, float alpha, float beta) {
            this.p = p;
            this.math = math;
            this.panel = s.panel;
            this.acc = s.acc;
            this.blockRows = s.blockRows;
            this.aPack = s.aPack;
            this.a = a;
            this.b = b;
            this.c = c;
            this.alpha = alpha;
            this.beta = beta;
            this.direct = math.hasBlockKernel();
            this.flatPanel = direct ? s.flatPanel() : null;
            this.bInPlace = direct && p.bColStride == 1 && p.m < DIRECT_B_MAX_ROWS;
            this.slices = (p.k + GemmPlan.KC - 1) / GemmPlan.KC;
            int groups = (p.m + GemmPlan.ROW_GROUP - 1) / GemmPlan.ROW_GROUP, block = GemmPlan.ROW_GROUP * GemmPlan.KC;
            boolean cache = bInPlace && (long) groups * slices * block <= A_CACHE_MAX;
            this.interleaved = cache ? s.aCache(groups * slices * block) : null;
        }

        @Override
        public void packPanel(int pc, int kb, int jc, int nb) {
            int rowStride = p.bRowStride, colStride = p.bColStride;
            int base = p.bOffset + pc * rowStride + jc * colStride;
            if (direct) {
                if (bInPlace) {
                    // Few rows of A to share the panel: packing would cost more than it saves.
                    panelArray = b;
                    panelBase = base;
                    panelRowStride = rowStride;
                } else {
                    if (colStride == 1) {
                        for (int q = 0; q < kb; q++) System.arraycopy(b, base + q * rowStride, flatPanel, q * FLAT_STRIDE, nb);
                    } else {
                        packTransposedFlat(base, rowStride, colStride, kb, nb);
                    }
                    panelArray = flatPanel;
                    panelBase = 0;
                    panelRowStride = FLAT_STRIDE;
                }
                return;
            }
            if (colStride == 1) {
                for (int q = 0; q < kb; q++) System.arraycopy(b, base + q * rowStride, panel[q], 0, nb);
            } else {
                // Transposed B: eight stored rows at a time, so that each panel row receives eight
                // adjacent elements per visit (twice as fast as one column at a time, measured).
                int j = 0;
                for (; j + 7 < nb; j += 8) {
                    int src = base + j * colStride;
                    for (int q = 0; q < kb; q++) {
                        float[] dst = panel[q];
                        gatherEight(b, src + q * rowStride, colStride, dst, j);
                    }
                }
                for (; j < nb; j++) {
                    int src = base + j * colStride;
                    for (int q = 0; q < kb; q++) panel[q][j] = b[src + q * rowStride];
                }
            }
        }

        /** flatPanel[q * FLAT_STRIDE + j] = op(B)[pc + q, jc + j] for transposed B, eight stored rows at a time. */
        private void packTransposedFlat(int base, int rowStride, int colStride, int kb, int nb) {
            int j = 0;
            for (; j + 7 < nb; j += 8) {
                int src = base + j * colStride;
                for (int q = 0; q < kb; q++) {
                    gatherEight(b, src + q * rowStride, colStride, flatPanel, q * FLAT_STRIDE + j);
                }
            }
            for (; j < nb; j++) {
                int src = base + j * colStride;
                for (int q = 0; q < kb; q++) flatPanel[q * FLAT_STRIDE + j] = b[src + q * rowStride];
            }
        }

        @Override
        public void multiplyRows(int ic, int rows, int pc, int kb, int jc, int nb, boolean first) {
            if (!direct) {
                packRows(ic, rows, pc, kb);
                multiplyPanel(aPack, rows, kb, panel, nb, acc);
                for (int r = 0; r < rows; r++) store(ic + r, jc, nb, acc[r], 0, first);
                return;
            }
            // With alpha 1 and beta 0 or 1, the kernel carries C's elements through the slices
            // itself, each one chain of fused multiply-adds over the whole depth from beta C: a
            // round trip through scratch rows and a second pass over C per slice showed in the
            // LSTM step's profile (BENCHMARKS.md). Otherwise each slice's chains start from zero in
            // scratch rows, and storeRow adds them into C with alpha and beta. The choice depends
            // on the call alone, never on how C is split between threads.
            boolean chained = alpha == 1 && (beta == 0 || beta == 1);
            boolean add = chained && (!first || beta == 1);
            // C's rows contiguous: the kernel works in C; else (C walked by columns) in scratch rows.
            boolean inC = chained && p.cColStride == 1;
            float[] out = inC ? c : blockRows;
            int outBase = inC ? p.cOffset + ic * p.cRowStride + jc : 0, outRowStride = inC ? p.cRowStride : NC;
            if (add && !inC) copyC(ic, rows, jc, nb, true);
            int group = GemmPlan.ROW_GROUP;
            if (p.aRowStride == 1 && rows == group) {
                // A transposed (a weight gradient's): a depth step's rows are already side by side.
                math.multiplyBlock(a, p.aOffset + ic + pc * p.aColStride, p.aColStride, rows, kb, panelArray, panelBase,
                        panelRowStride, nb, out, outBase, outRowStride, add);
            } else if (interleaved != null) {
                if (firstJc < 0) firstJc = jc;
                int at = ((ic / group) * slices + pc / GemmPlan.KC) * group * GemmPlan.KC;
                if (jc == firstJc) interleaveRows(ic, rows, pc, kb, interleaved, at);
                math.multiplyBlock(interleaved, at, group, rows, kb, panelArray, panelBase, panelRowStride, nb, out,
                        outBase, outRowStride, add);
            } else {
                interleaveRows(ic, rows, pc, kb, aPack, 0);
                math.multiplyBlock(aPack, 0, group, rows, kb, panelArray, panelBase, panelRowStride, nb, out, outBase,
                        outRowStride, add);
            }
            if (chained && !inC) {
                copyC(ic, rows, jc, nb, false);
            } else if (!chained) {
                for (int r = 0; r < rows; r++) store(ic + r, jc, nb, blockRows, r * NC, first);
            }
        }

        /** C's rows [ic, ic + rows), columns [jc, jc + nb), into blockRows ({@code in}) or back. */
        private void copyC(int ic, int rows, int jc, int nb, boolean in) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0, at = p.cOffset + (ic + r) * p.cRowStride + jc * p.cColStride; j < nb; j++) {
                    if (in) blockRows[r * NC + j] = c[at + j * p.cColStride];
                    else c[at + j * p.cColStride] = blockRows[r * NC + j];
                }
            }
        }

        /**
         * dst[at + q * ROW_GROUP + r] = op(A)[ic + r, pc + q], and 0 for the lanes past {@code rows}:
         * the block kernel's interleaved layout.
         */
        private void interleaveRows(int ic, int rows, int pc, int kb, float[] dst, int at) {
            int rowStride = p.aRowStride, colStride = p.aColStride, group = GemmPlan.ROW_GROUP;
            int base = p.aOffset + ic * rowStride + pc * colStride;
            if (colStride == 1) {
                interleaveRowMajor(a, base, rowStride, rows, kb, dst, at);
                return;
            }
            for (int q = 0; q < kb; q++) {
                int src = base + q * colStride, to = at + q * group;
                for (int r = 0; r < rows; r++) dst[to + r] = a[src + r * rowStride];
            }
            padGroup(dst, at, rows, kb);
        }

        /** aPack[r * kb + q] = op(A)[ic + r, pc + q]. */
        private void packRows(int ic, int rows, int pc, int kb) {
            int rowStride = p.aRowStride, colStride = p.aColStride;
            int base = p.aOffset + ic * rowStride + pc * colStride;
            if (colStride == 1) {
                for (int r = 0; r < rows; r++) System.arraycopy(a, base + r * rowStride, aPack, r * kb, kb);
            } else {
                for (int q = 0; q < kb; q++) {
                    int src = base + q * colStride;
                    for (int r = 0; r < rows; r++) aPack[r * kb + q] = a[src + r * rowStride];
                }
            }
        }

        /** C's row i, columns [jc, jc + nb): alpha row[rowBase + j] added, or (first slice) beta C + that. */
        private void store(int i, int jc, int nb, float[] row, int rowBase, boolean first) {
            int step = p.cColStride;
            int base = p.cOffset + i * p.cRowStride + jc * step;
            if (step == 1) {
                // Later slices add into C: beta 1.
                math.storeRow(row, rowBase, nb, alpha, first ? beta : 1f, c, base);
                return;
            }
            if (!first) {
                for (int j = 0; j < nb; j++) c[base + j * step] += alpha * row[rowBase + j];
            } else if (beta != 0) {
                for (int j = 0; j < nb; j++) c[base + j * step] = alpha * row[rowBase + j] + beta * c[base + j * step];
            } else {
                // beta == 0: C's old contents are never read, so NaN there does not leak through.
                for (int j = 0; j < nb; j++) c[base + j * step] = alpha * row[rowBase + j];
            }
        }
    }

    /**
     * dst[at + q * ROW_GROUP + r] = a[base + r * rowStride + q] for r < rows, q < kb, and 0 for the
     * lanes past {@code rows}: a row-major group of A's rows in the block kernel's layout.
     */
    private static void interleaveRowMajor(float[] a, int base, int rowStride, int rows, int kb, float[] dst, int at) {
        int group = GemmPlan.ROW_GROUP;
        if (rows == 8 && group == 8) {
            // A depth step at a time: each step's eight values are stored side by side, while
            // the eight rows are read as eight forward streams. Row by row (a row read in one
            // run, its values stored eight apart) was a large share of the products where each
            // group of rows meets only a few column blocks (dX = dGates W_ih, BENCHMARKS.md).
            for (int q = 0; q < kb; q++) gatherEight(a, base + q, rowStride, dst, at + q * group);
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int q = 0, src = base + r * rowStride; q < kb; q++) dst[at + q * group + r] = a[src + q];
        }
        padGroup(dst, at, rows, kb);
    }

    /** Zeros in the lanes past {@code rows} of an interleaved group kb deep. */
    private static void padGroup(float[] dst, int at, int rows, int kb) {
        int group = GemmPlan.ROW_GROUP;
        if (rows < group) {
            for (int q = 0; q < kb; q++) Arrays.fill(dst, at + q * group + rows, at + (q + 1) * group, 0f);
        }
    }

    /** Columns per block of {@link #packColumnBlocks}: the widest kernel's three 512-bit vectors. */
    static final int BLOCK_COLUMNS = 48;

    /** Floats that {@link #packColumnBlocks} fills for a k x n matrix: all of it, and one vector of room. */
    static int packedLength(int k, int n) {
        return k * n + 16;
    }

    /**
     * A row-major k x n matrix B (row stride n, from bOffset) rearranged for {@link #multiplyPacked}:
     * blocks of {@link #BLOCK_COLUMNS} columns, the last one narrower where n is not a multiple,
     * each block's k rows contiguous (block jb, of width w, at jb BLOCK_COLUMNS k, element
     * [q, j] at q w + j). Blocks [fromBlock, toBlock) only, so that threads can share the work.
     * A product that reads the same B for many small A (a recurrence's weight, once per
     * timestep) then streams each block from one run of memory instead of k rows far apart.
     * With {@code transposed}, the array holds B^T instead, n x k row-major (B[q, j] at
     * bOffset + j k + q: a layer's weight as stored, where the product needs its transpose).
     */
    static void packColumnBlocks(float[] b, int bOffset, boolean transposed, int k, int n, float[] packed, int fromBlock,
                                 int toBlock) {
        for (int jb = fromBlock; jb < toBlock; jb++) {
            int j0 = jb * BLOCK_COLUMNS, w = Math.min(BLOCK_COLUMNS, n - j0), at = j0 * k;
            if (!transposed) {
                for (int q = 0; q < k; q++) System.arraycopy(b, bOffset + q * n + j0, packed, at + q * w, w);
                continue;
            }
            // Eight of B^T's rows at a time, so that each pass writes whole runs of eight floats.
            for (int j = 0; j < w; j += 8) {
                int rows = Math.min(8, w - j);
                for (int q = 0; q < k; q++) {
                    int to = at + q * w + j, from = bOffset + (j0 + j) * k + q;
                    for (int r = 0; r < rows; r++) packed[to + r] = b[from + r * k];
                }
            }
        }
    }

    /** How many blocks {@link #packColumnBlocks} splits n columns into. */
    static int columnBlocks(int n) {
        return (n + BLOCK_COLUMNS - 1) / BLOCK_COLUMNS;
    }

    /**
     * C = A B, or C += A B when {@code add}, on the calling thread, for a row-major A (rows x k,
     * from aOffset) and C (rows x n, from cOffset), with B packed by {@link #packColumnBlocks}. Only
     * where {@link FloatArrayMath#hasBlockKernel()}. The bits are those of {@link #gemm} with alpha 1
     * and beta 0 or 1: each element one chain of fused multiply-adds through the whole depth.
     */
    static void multiplyPacked(FloatArrayMath math, int rows, int n, int k, float[] a, int aOffset, float[] packed,
                               float[] c, int cOffset, boolean add) {
        int group = GemmPlan.ROW_GROUP, groups = (rows + group - 1) / group;
        float[] interleaved = SCRATCH.get().aCache(groups * group * k);
        for (int g = 0; g < groups; g++) {
            interleaveRowMajor(a, aOffset + g * group * k, k, Math.min(group, rows - g * group), k, interleaved,
                    g * group * k);
        }
        for (int j0 = 0; j0 < n; j0 += BLOCK_COLUMNS) {
            int w = Math.min(BLOCK_COLUMNS, n - j0);
            for (int g = 0; g < groups; g++) {
                math.multiplyBlock(interleaved, g * group * k, group, Math.min(group, rows - g * group), k, packed, j0 * k,
                        w, w, c, cOffset + g * group * n + j0, n, add);
            }
        }
    }

    /** dst[d + i] = src[s + i * stride] for i < 8: eight elements a stride apart, stored side by side. */
    private static void gatherEight(float[] src, int s, int stride, float[] dst, int d) {
        dst[d] = src[s];
        dst[d + 1] = src[s + stride];
        dst[d + 2] = src[s + 2 * stride];
        dst[d + 3] = src[s + 3 * stride];
        dst[d + 4] = src[s + 4 * stride];
        dst[d + 5] = src[s + 5 * stride];
        dst[d + 6] = src[s + 6 * stride];
        dst[d + 7] = src[s + 7 * stride];
    }

    /**
     * The portable kernel: acc[r][j] = sum over q of aPack[r * kb + q] * panel[q][j], for r < rows
     * and j < nb, four panel rows per pass.
     */
    static void multiplyPanel(float[] aPack, int rows, int kb, float[][] panel, int nb, float[][] acc) {
        for (int r = 0; r < rows; r++) Arrays.fill(acc[r], 0, nb, 0f);
        int q = 0;
        for (; q + 3 < kb; q += 4) {
            float[] b0 = panel[q], b1 = panel[q + 1], b2 = panel[q + 2], b3 = panel[q + 3];
            for (int r = 0; r < rows; r++) {
                int x = r * kb + q;
                multiplyAdd4(aPack[x], aPack[x + 1], aPack[x + 2], aPack[x + 3], b0, b1, b2, b3, acc[r], nb);
            }
        }
        for (; q < kb; q++) {
            for (int r = 0; r < rows; r++) multiplyAdd1(aPack[r * kb + q], panel[q], acc[r], nb);
        }
    }

    /** d[j] += a0 b0[j] + a1 b1[j] + a2 b2[j] + a3 b3[j]: the vectorised inner kernel. */
    static void multiplyAdd4(float a0, float a1, float a2, float a3, float[] b0, float[] b1, float[] b2, float[] b3,
                             float[] d, int n) {
        for (int j = 0; j < n; j++) d[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }

    static void multiplyAdd1(float a0, float[] b0, float[] d, int n) {
        for (int j = 0; j < n; j++) d[j] += a0 * b0[j];
    }
}
