package dev.wick.core.cpu;

import dev.wick.core.DType;

/**
 * A whole tanh RNN, LSTM or GRU recurrence (Backend's rnnTanhSequence, lstmSequence and gruSequence
 * methods) with each thread owning some rows of the batch for every timestep.
 *
 * <p>The rows of a batch never meet in a recurrent layer: row b of h_t depends only on row b of
 * h_{t-1} and of the input. So instead of splitting each timestep's small GEMM and cell kernel
 * between threads (two hand-offs and two waits per step, hundreds per training step, each thread
 * waiting for the slowest), a task takes its rows through all T steps alone: its rows of the
 * product, one GEMM on the task's own thread, then its rows of the cell, which the product has
 * just left in cache. The threads never wait for each other until the end.
 *
 * <p>Every element sees the operations of the step-by-step path: the same GEMM (its results do not
 * depend on how C's rows are split) and the same cell kernel, row by row.
 */
final class RecurrentSequences {
    /** Runs GEMMs on the calling thread: a task's product is never split further. */
    private static final CpuWorkers CALLING_THREAD = new CpuWorkers(1);

    private RecurrentSequences() {
    }

    /**
     * How many tasks to split a batch of B rows into on {@code threads} threads, or 0 where the
     * step-by-step path is better: each task needs a whole row group of the GEMM kernel, or it
     * would stream the recurrent weight for a few rows only.
     */
    static int tasks(int threads, int batch) {
        if (threads == 1) return 1;
        return batch / threads >= GemmPlan.ROW_GROUP ? threads : 0;
    }

    /** Runs {@code rows} over {@code tasks} contiguous ranges of the batch, each on one thread. */
    private static void splitBatch(CpuWorkers workers, int batch, int tasks, CpuWorkers.Range rows) {
        workers.forTasks(tasks, task -> rows.run(CpuWorkers.chunkStart(batch, tasks, task),
                CpuWorkers.chunkStart(batch, tasks, task + 1)));
    }

    /** Whether {@link #packedWeight} packs the weight for a sequence of {@code steps}. */
    static boolean packs(FloatArrayMath math, boolean f32, int steps) {
        return f32 && steps >= 2 && math.hasBlockKernel();
    }

    /** The calling thread's room for a recurrent weight packed by FloatGemm.packColumnBlocks. */
    private static final ThreadLocal<float[][]> PACKED_WEIGHT =
            ThreadLocal.withInitial(() -> new float[][]{new float[0]});

    /**
     * The recurrent weight as every step's product multiplies by it (k x n: stored that way, or
     * stored n x k when {@code transposed}), packed once for the whole sequence into blocks of
     * columns that each thread's product streams every timestep (FloatGemm#multiplyPacked), or null
     * for float64, without the block kernel, or for a single step (the packing reads the weight
     * once, as one product does). The room is the calling thread's, kept for its next sequence.
     * Same bits either way.
     */
    private static float[] packedWeight(CpuWorkers workers, FloatArrayMath math, boolean f32, int steps, CpuBuffer w,
                                        boolean transposed, int k, int n) {
        if (!packs(math, f32, steps)) return null;
        float[][] room = PACKED_WEIGHT.get();
        int length = FloatGemm.packedLength(k, n), blocks = FloatGemm.columnBlocks(n);
        if (room[0].length < length) room[0] = new float[length];
        float[] packed = room[0];
        int tasks = Math.min(workers.threads(), blocks);
        workers.forTasks(tasks, t -> FloatGemm.packColumnBlocks(w.f(), w.offset, transposed, k, n, packed,
                CpuWorkers.chunkStart(blocks, tasks, t), CpuWorkers.chunkStart(blocks, tasks, t + 1)));
        return packed;
    }

    /**
     * c += a W (rows x k by k x n, row-major; W stored n x k when {@code transposed}) on the calling
     * thread, through the packed W where there is one.
     */
    private static void product(FloatArrayMath math, float[] packed, int rows, int n, int k, float[] a, int aOffset,
                                CpuBuffer w, boolean transposed, float[] c, int cOffset) {
        if (packed != null) {
            FloatGemm.multiplyPacked(math, rows, n, k, a, aOffset, packed, c, cOffset, true);
        } else {
            FloatGemm.gemm(CALLING_THREAD, math, false, transposed, rows, n, k, 1f, a, aOffset, w.f(), w.offset, 1f, c,
                    cOffset);
        }
    }

    // ---- tanh RNN ------------------------------------------------------------------------------
    // The forwards take the recurrent weight as the layer stores it ({@code stored}: [G H, H], each
    // step's product reads its transpose) or already transposed by the caller ([H, G H]).

    static void rnnTanhForward(CpuWorkers workers, FloatArrayMath math, CpuBuffer h, CpuBuffer whh, boolean stored,
                               CpuBuffer hInit, int steps, int batch, int hidden, int tasks) {
        int state = batch * hidden;
        boolean f32 = h.dtype == DType.FLOAT32;
        float[] packed = packedWeight(workers, math, f32, steps, whh, stored, hidden, hidden);
        splitBatch(workers, batch, tasks, (from, to) -> {
            int rows = to - from, length = rows * hidden;
            for (int t = 0; t < steps; t++) {
                int ho = h.offset + t * state + from * hidden;
                boolean first = t == 0;
                int po = first ? (hInit == null ? 0 : hInit.offset + from * hidden) : ho - state;
                if (f32) {
                    if (!first || hInit != null) {
                        product(math, packed, rows, hidden, hidden, first ? hInit.f() : h.f(), po, whh, stored, h.f(), ho);
                    }
                    math.tanh(h.f(), ho, h.f(), ho, length);
                } else {
                    if (!first || hInit != null) {
                        DoubleGemm.gemm(CALLING_THREAD, false, stored, rows, hidden, hidden, 1.0,
                                first ? hInit.d() : h.d(), po, whh.d(), whh.offset, 1.0, h.d(), ho);
                    }
                    DoubleKernels.tanh(h.d(), ho, h.d(), ho, 0, length);
                }
            }
        });
    }

    static void rnnTanhBackward(CpuWorkers workers, FloatArrayMath math, CpuBuffer h, CpuBuffer whh, CpuBuffer dh,
                                int steps, int batch, int hidden, int tasks) {
        int state = batch * hidden;
        boolean f32 = h.dtype == DType.FLOAT32;
        float[] packed = packedWeight(workers, math, f32, steps, whh, false, hidden, hidden);
        splitBatch(workers, batch, tasks, (from, to) -> {
            int rows = to - from, length = rows * hidden;
            for (int t = steps - 1; t >= 0; t--) {
                int ho = h.offset + t * state + from * hidden, go = dh.offset + t * state + from * hidden;
                if (f32) {
                    FloatKernels.tanhBackward(h.f(), ho, dh.f(), go, dh.f(), go, 0, length, false);
                    if (t > 0) {
                        product(math, packed, rows, hidden, hidden, dh.f(), go, whh, false, dh.f(), go - state);
                    }
                } else {
                    DoubleKernels.tanhBackward(h.d(), ho, dh.d(), go, dh.d(), go, 0, length, false);
                    if (t > 0) {
                        DoubleGemm.gemm(CALLING_THREAD, false, false, rows, hidden, hidden, 1.0, dh.d(), go, whh.d(),
                                whh.offset, 1.0, dh.d(), go - state);
                    }
                }
            }
        });
    }

    // ---- LSTM ----------------------------------------------------------------------------------

    static void lstmForward(CpuWorkers workers, FloatArrayMath math, CpuBuffer gates, CpuBuffer whh, boolean stored,
                            CpuBuffer hInit, boolean hInitZero, CpuBuffer cInit, CpuBuffer c, CpuBuffer h, int steps, int batch,
                            int hidden, int tasks) {
        int state = batch * hidden, width = 4 * state;
        boolean f32 = gates.dtype == DType.FLOAT32;
        float[] packed = packedWeight(workers, math, f32, steps, whh, stored, hidden, 4 * hidden);
        splitBatch(workers, batch, tasks, (from, to) -> {
            int rows = to - from;
            for (int t = 0; t < steps; t++) {
                int go = gates.offset + t * width;
                boolean first = t == 0;
                int ho = first ? hInit.offset : h.offset + (t - 1) * state;
                int co = first ? cInit.offset : c.offset + (t - 1) * state;
                if (f32) {
                    float[] prevH = first ? hInit.f() : h.f(), prevC = first ? cInit.f() : c.f();
                    if (!first || !hInitZero) {
                        product(math, packed, rows, 4 * hidden, hidden, prevH, ho + from * hidden, whh, stored, gates.f(),
                                go + from * 4 * hidden);
                    }
                    RecurrentKernels.lstmForward(math, gates.f(), go, prevC, co, c.f(), c.offset + t * state, h.f(),
                            h.offset + t * state, hidden, from, to);
                } else {
                    double[] prevH = first ? hInit.d() : h.d(), prevC = first ? cInit.d() : c.d();
                    if (!first || !hInitZero) {
                        DoubleGemm.gemm(CALLING_THREAD, false, stored, rows, 4 * hidden, hidden, 1.0, prevH,
                                ho + from * hidden, whh.d(), whh.offset, 1.0, gates.d(), go + from * 4 * hidden);
                    }
                    RecurrentKernels.lstmForward(gates.d(), go, prevC, co, c.d(), c.offset + t * state, h.d(),
                            h.offset + t * state, hidden, from, to);
                }
            }
        });
    }

    static void lstmBackward(CpuWorkers workers, FloatArrayMath math, CpuBuffer gates, CpuBuffer whh, CpuBuffer cInit,
                             CpuBuffer c, CpuBuffer dh, CpuBuffer dc, CpuBuffer dGates, int steps, int batch,
                             int hidden, int tasks) {
        int state = batch * hidden, width = 4 * state;
        boolean f32 = gates.dtype == DType.FLOAT32;
        float[] packed = packedWeight(workers, math, f32, steps, whh, false, 4 * hidden, hidden);
        splitBatch(workers, batch, tasks, (from, to) -> {
            int rows = to - from;
            for (int t = steps - 1; t >= 0; t--) {
                int go = gates.offset + t * width, dgo = dGates.offset + t * width, dho = dh.offset + t * state;
                int co = t == 0 ? cInit.offset : c.offset + (t - 1) * state;
                if (f32) {
                    RecurrentKernels.lstmBackward(math, gates.f(), go, t == 0 ? cInit.f() : c.f(), co, c.f(),
                            c.offset + t * state, dh.f(), dho, dc.f(), dc.offset, dGates.f(), dgo, hidden, from, to);
                    if (t > 0) {
                        product(math, packed, rows, hidden, 4 * hidden, dGates.f(), dgo + from * 4 * hidden, whh, false,
                                dh.f(), dho - state + from * hidden);
                    }
                } else {
                    RecurrentKernels.lstmBackward(gates.d(), go, t == 0 ? cInit.d() : c.d(), co, c.d(),
                            c.offset + t * state, dh.d(), dho, dc.d(), dc.offset, dGates.d(), dgo, hidden, from, to);
                    if (t > 0) {
                        DoubleGemm.gemm(CALLING_THREAD, false, false, rows, hidden, 4 * hidden, 1.0, dGates.d(),
                                dgo + from * 4 * hidden, whh.d(), whh.offset, 1.0, dh.d(), dho - state + from * hidden);
                    }
                }
            }
        });
    }

    // ---- GRU -----------------------------------------------------------------------------------

    static void gruForward(CpuWorkers workers, FloatArrayMath math, CpuBuffer gi, CpuBuffer gh, CpuBuffer whh,
                           boolean stored, CpuBuffer hInit, boolean hInitZero, CpuBuffer h, int steps, int batch, int hidden,
                           int tasks) {
        int state = batch * hidden, width = 3 * state;
        boolean f32 = gi.dtype == DType.FLOAT32;
        float[] packed = packedWeight(workers, math, f32, steps, whh, stored, hidden, 3 * hidden);
        splitBatch(workers, batch, tasks, (from, to) -> {
            int rows = to - from;
            for (int t = 0; t < steps; t++) {
                int io = gi.offset + t * width, ko = gh.offset + t * width;
                boolean first = t == 0;
                int po = first ? hInit.offset : h.offset + (t - 1) * state;
                if (f32) {
                    float[] prev = first ? hInit.f() : h.f();
                    if (!first || !hInitZero) {
                        product(math, packed, rows, 3 * hidden, hidden, prev, po + from * hidden, whh, stored, gh.f(),
                                ko + from * 3 * hidden);
                    }
                    RecurrentKernels.gruForward(math, gi.f(), io, gh.f(), ko, prev, po, h.f(), h.offset + t * state,
                            hidden, from, to);
                } else {
                    double[] prev = first ? hInit.d() : h.d();
                    if (!first || !hInitZero) {
                        DoubleGemm.gemm(CALLING_THREAD, false, stored, rows, 3 * hidden, hidden, 1.0, prev,
                                po + from * hidden, whh.d(), whh.offset, 1.0, gh.d(), ko + from * 3 * hidden);
                    }
                    RecurrentKernels.gruForward(gi.d(), io, gh.d(), ko, prev, po, h.d(), h.offset + t * state,
                            hidden, from, to);
                }
            }
        });
    }

    static void gruBackward(CpuWorkers workers, FloatArrayMath math, CpuBuffer gates, CpuBuffer gh, CpuBuffer whh,
                            CpuBuffer hInit, CpuBuffer h, CpuBuffer dh, CpuBuffer dGi, CpuBuffer dGh, CpuBuffer dhInit,
                            int steps, int batch, int hidden, int tasks) {
        int state = batch * hidden, width = 3 * state;
        boolean f32 = gates.dtype == DType.FLOAT32;
        float[] packed = packedWeight(workers, math, f32, steps, whh, false, 3 * hidden, hidden);
        splitBatch(workers, batch, tasks, (from, to) -> {
            int rows = to - from;
            for (int t = steps - 1; t >= 0; t--) {
                int go = gates.offset + t * width, ko = gh.offset + t * width, dio = dGi.offset + t * width;
                int dko = dGh.offset + t * width, dho = dh.offset + t * state;
                boolean first = t == 0;
                int po = first ? hInit.offset : h.offset + (t - 1) * state;
                int dpo = first ? dhInit.offset : dho - state;
                if (f32) {
                    RecurrentKernels.gruBackward(gates.f(), go, gh.f(), ko, first ? hInit.f() : h.f(), po, dh.f(), dho,
                            dGi.f(), dio, dGh.f(), dko, first ? dhInit.f() : dh.f(), dpo, hidden, from, to);
                    if (!first) {
                        product(math, packed, rows, hidden, 3 * hidden, dGh.f(), dko + from * 3 * hidden, whh, false,
                                dh.f(), dpo + from * hidden);
                    }
                } else {
                    RecurrentKernels.gruBackward(gates.d(), go, gh.d(), ko, first ? hInit.d() : h.d(), po, dh.d(), dho,
                            dGi.d(), dio, dGh.d(), dko, first ? dhInit.d() : dh.d(), dpo, hidden, from, to);
                    if (!first) {
                        DoubleGemm.gemm(CALLING_THREAD, false, false, rows, hidden, 3 * hidden, 1.0, dGh.d(),
                                dko + from * 3 * hidden, whh.d(), whh.offset, 1.0, dh.d(), dpo + from * hidden);
                    }
                }
            }
        });
    }
}
