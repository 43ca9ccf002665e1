package dev.wick.core.cpu;

import java.util.Arrays;

/**
 * float64 GEMM: the twin of {@link FloatGemm} (see there for why the kernel looks as it does),
 * with half as many columns per panel so that the panel takes the same bytes.
 */
final class DoubleGemm {
    /** Columns of C per packed panel: KC x NC doubles (512 KB) stay in a core's L2. */
    static final int NC = 256;

    private DoubleGemm() {
    }

    /** Per-thread packing buffers and accumulators, reused by every call on that thread. */
    private static final class Scratch {
        final double[][] panel = new double[GemmPlan.KC][NC];
        final double[][] acc = new double[GemmPlan.ROW_GROUP][NC];
        final double[] aPack = new double[GemmPlan.ROW_GROUP * GemmPlan.KC];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** C = alpha * op(A) * op(B) + beta * C, as Backend#gemm, on arrays at the given offsets. */
    static void gemm(CpuWorkers workers, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     double[] a, int aOffset, double[] b, int bOffset, double beta, double[] c, int cOffset) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0) {
            // op(A) op(B) contributes nothing (as in BLAS, A and B are not read when alpha is 0).
            scale(c, cOffset, m * n, beta);
            return;
        }
        GemmPlan plan = GemmPlan.of(transA, transB, m, n, k, aOffset, bOffset, cOffset);
        int tasks = plan.taskCount(workers);
        double[] left = plan.swapped ? b : a, right = plan.swapped ? a : b;
        workers.forTasks(tasks, t -> plan.runTask(new Task(plan, SCRATCH.get(), left, right, c, alpha, beta), t, tasks, NC));
    }

    private static void scale(double[] c, int offset, int length, double beta) {
        if (beta == 0) {
            Arrays.fill(c, offset, offset + length, 0.0);
        } else if (beta != 1) {
            for (int i = offset, end = offset + length; i < end; i++) c[i] *= beta;
        }
    }

    private static final class Task implements GemmPlan.Blocks {
        private final GemmPlan p;
        private final double[][] panel;
        private final double[][] acc;
        private final double[] aPack;
        private final double[] a, b, c;
        private final double alpha, beta;

        Task(GemmPlan p, Scratch s, double[] a, double[] b, double[] c, double alpha, double beta) {
            this.p = p;
            this.panel = s.panel;
            this.acc = s.acc;
            this.aPack = s.aPack;
            this.a = a;
            this.b = b;
            this.c = c;
            this.alpha = alpha;
            this.beta = beta;
        }

        @Override
        public void packPanel(int pc, int kb, int jc, int nb) {
            int rowStride = p.bRowStride, colStride = p.bColStride;
            int base = p.bOffset + pc * rowStride + jc * colStride;
            if (colStride == 1) {
                for (int q = 0; q < kb; q++) System.arraycopy(b, base + q * rowStride, panel[q], 0, nb);
            } else {
                // Transposed B: eight stored rows at a time, so that each panel row receives eight
                // adjacent elements per visit (twice as fast as one column at a time, measured).
                int j = 0;
                for (; j + 7 < nb; j += 8) {
                    int src = base + j * colStride;
                    for (int q = 0; q < kb; q++) {
                        double[] dst = panel[q];
                        int s = src + q * rowStride;
                        dst[j] = b[s];
                        dst[j + 1] = b[s + colStride];
                        dst[j + 2] = b[s + 2 * colStride];
                        dst[j + 3] = b[s + 3 * colStride];
                        dst[j + 4] = b[s + 4 * colStride];
                        dst[j + 5] = b[s + 5 * colStride];
                        dst[j + 6] = b[s + 6 * colStride];
                        dst[j + 7] = b[s + 7 * colStride];
                    }
                }
                for (; j < nb; j++) {
                    int src = base + j * colStride;
                    for (int q = 0; q < kb; q++) panel[q][j] = b[src + q * rowStride];
                }
            }
        }

        @Override
        public void multiplyRows(int ic, int rows, int pc, int kb, int jc, int nb, boolean first) {
            packRows(ic, rows, pc, kb);
            for (int r = 0; r < rows; r++) Arrays.fill(acc[r], 0, nb, 0.0);
            int q = 0;
            for (; q + 3 < kb; q += 4) {
                double[] b0 = panel[q], b1 = panel[q + 1], b2 = panel[q + 2], b3 = panel[q + 3];
                for (int r = 0; r < rows; r++) {
                    int x = r * kb + q;
                    multiplyAdd4(aPack[x], aPack[x + 1], aPack[x + 2], aPack[x + 3], b0, b1, b2, b3, acc[r], nb);
                }
            }
            for (; q < kb; q++) {
                for (int r = 0; r < rows; r++) multiplyAdd1(aPack[r * kb + q], panel[q], acc[r], nb);
            }
            for (int r = 0; r < rows; r++) store(ic + r, jc, nb, acc[r], first);
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

        private void store(int i, int jc, int nb, double[] row, boolean first) {
            int step = p.cColStride;
            int base = p.cOffset + i * p.cRowStride + jc * step;
            if (!first) {
                for (int j = 0; j < nb; j++) c[base + j * step] += alpha * row[j];
            } else if (beta != 0) {
                for (int j = 0; j < nb; j++) c[base + j * step] = alpha * row[j] + beta * c[base + j * step];
            } else if (alpha == 1 && step == 1) {
                System.arraycopy(row, 0, c, base, nb);
            } else {
                // beta == 0: C's old contents are never read, so NaN there does not leak through.
                for (int j = 0; j < nb; j++) c[base + j * step] = alpha * row[j];
            }
        }
    }

    /** d[j] += a0 b0[j] + a1 b1[j] + a2 b2[j] + a3 b3[j]: the vectorised inner kernel. */
    static void multiplyAdd4(double a0, double a1, double a2, double a3, double[] b0, double[] b1, double[] b2, double[] b3,
                             double[] d, int n) {
        for (int j = 0; j < n; j++) d[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }

    static void multiplyAdd1(double a0, double[] b0, double[] d, int n) {
        for (int j = 0; j < n; j++) d[j] += a0 * b0[j];
    }
}
