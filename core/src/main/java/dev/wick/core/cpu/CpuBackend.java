package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.Device;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.util.Arrays;

/**
 * The CPU backend: plain Java over arrays, the fallback when there is no GPU and the reference the
 * CUDA backend is checked against. Memory comes from a caching allocator ({@link CpuAllocator});
 * the loops are specialised per dtype ({@link FloatKernels}, {@link DoubleKernels}, blocked GEMM
 * in {@link FloatGemm} and {@link DoubleGemm}); work large enough to pay for it is split over the
 * backend's own threads ({@link CpuWorkers}).
 *
 * <p>Results depend neither on timing nor on the thread count: elementwise work is split into
 * independent ranges, reductions sum fixed blocks in a fixed order, scatterAdd splits destination
 * rows (each row sums its sources in index order), GEMM splits C (each element sees the same
 * operations in the same order). Both {@link ScatterMode}s give that same deterministic result.
 *
 * <p>Where the interface leaves it open: GEMM with alpha == 0 (or k == 0) only scales C by beta and
 * reads neither A nor B, as BLAS does.
 */
public final class CpuBackend implements Backend {
    /** Elements per thread below which a cheap (vectorised, memory-bound) loop stays on one thread. */
    static final int CHEAP_GRAIN = 1 << 17;
    /**
     * The same for plain copies, fills and gathers. Workers watch for the next job a while before
     * they park, and the caller takes tasks itself when none has (see CpuWorkers): handing over half
     * a job costs far less than writing a quarter of a megabyte, and one core alone does not reach
     * the memory bandwidth that two do (EmbeddingBench's 2,048 x 128 gather showed it: see
     * BENCHMARKS.md).
     */
    static final int COPY_GRAIN = 1 << 16;
    /** The same for loops that call exp, log or the random number generator per element. */
    static final int COSTLY_GRAIN = 1 << 12;

    private final int threads;
    private final CpuWorkers workers;
    private final CpuAllocator allocator = new CpuAllocator();
    /** exp, tanh and reductions over float arrays: SIMD where the JVM offers the Vector API. */
    private final FloatArrayMath math;

    /** A backend on all available processors. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * A backend computing on at most {@code threads} threads (1 is fully sequential), with SIMD exp
     * and tanh when the JVM was started with {@code --add-modules jdk.incubator.vector} (and the
     * system property {@value FloatArrayMath#PORTABLE_PROPERTY} is not {@code true}).
     */
    public CpuBackend(int threads) {
        this(threads, FloatArrayMath.best());
    }

    private CpuBackend(int threads, FloatArrayMath math) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new CpuWorkers(threads);
        this.math = math;
    }

    /**
     * A backend on plain Java loops only, as on a JVM without the Vector API module: what the
     * conformance suite runs a second time, so that both code paths stay checked.
     */
    public static CpuBackend portable(int threads) {
        return new CpuBackend(threads, PortableFloatMath.INSTANCE);
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public String description() {
        return "cpu (" + threads + " thread" + (threads == 1 ? "" : "s") + "; " + math.description() + ")";
    }

    /** The CPU buffer behind {@code b}, refused once released (as the CUDA backend refuses it). */
    private static CpuBuffer cb(Buffer b) {
        return owned(b).live();
    }

    private static CpuBuffer owned(Buffer b) {
        if (b instanceof CpuBuffer c) return c;
        throw new IllegalArgumentException("not a CPU buffer: " + b);
    }

    /** Whether a floating buffer is float32 (else float64). */
    private static boolean f32(CpuBuffer b) {
        return switch (b.dtype) {
            case FLOAT32 -> true;
            case FLOAT64 -> false;
            case INT32 -> throw new IllegalArgumentException("expected a floating buffer, got " + b);
        };
    }

    // ---- memory ---------------------------------------------------------------------------------

    @Override
    public Buffer allocate(DType dtype, int length) {
        return allocator.allocate(dtype, length);
    }

    @Override
    public void release(Buffer buffer) {
        allocator.release(owned(buffer)); // a second release gets the allocator's own message
    }

    @Override
    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    /** The buffers are Java arrays: the heap's limit. */
    @Override
    public long memoryCapacity() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public void trimCache() {
        allocator.trim();
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, int length) {
        CpuBuffer d = cb(dst);
        System.arraycopy(src, srcOffset, d.f(), d.offset, length);
    }

    @Override
    public void upload(double[] src, int srcOffset, Buffer dst, int length) {
        CpuBuffer d = cb(dst);
        System.arraycopy(src, srcOffset, d.d(), d.offset, length);
    }

    @Override
    public void upload(int[] src, int srcOffset, Buffer dst, int length) {
        CpuBuffer d = cb(dst);
        System.arraycopy(src, srcOffset, d.i(), d.offset, length);
    }

    @Override
    public void download(Buffer src, float[] dst, int dstOffset, int length) {
        CpuBuffer s = cb(src);
        System.arraycopy(s.f(), s.offset, dst, dstOffset, length);
    }

    @Override
    public void download(Buffer src, double[] dst, int dstOffset, int length) {
        CpuBuffer s = cb(src);
        System.arraycopy(s.d(), s.offset, dst, dstOffset, length);
    }

    @Override
    public void download(Buffer src, int[] dst, int dstOffset, int length) {
        CpuBuffer s = cb(src);
        System.arraycopy(s.i(), s.offset, dst, dstOffset, length);
    }

    @Override
    public void synchronize() {
        // Every call has finished when it returns.
    }

    // ---- fills, copies, random ------------------------------------------------------------------

    @Override
    public void convert(Buffer src, Buffer dst, int length) {
        CpuBuffer s = cb(src), d = cb(dst);
        if (s.dtype == DType.FLOAT32 && d.dtype == DType.FLOAT64) {
            float[] a = s.f();
            double[] b = d.d();
            workers.forRange(length, COPY_GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) b[d.offset + i] = a[s.offset + i];
            });
        } else if (s.dtype == DType.FLOAT64 && d.dtype == DType.FLOAT32) {
            double[] a = s.d();
            float[] b = d.f();
            workers.forRange(length, COPY_GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) b[d.offset + i] = (float) a[s.offset + i];
            });
        } else {
            throw new IllegalArgumentException("convert: from " + s.dtype + " to " + d.dtype
                    + " (FLOAT32 to FLOAT64 or back only)");
        }
    }

    @Override
    public void copy(Buffer src, Buffer dst, int length) {
        CpuBuffer s = cb(src), d = cb(dst);
        if (s.dtype != d.dtype) {
            throw new IllegalArgumentException("copy between dtypes " + s.dtype + " and " + d.dtype);
        }
        if (s.array == d.array) {
            // Possibly overlapping views of one array: arraycopy's copy-through-a-temporary meaning.
            System.arraycopy(s.array, s.offset, d.array, d.offset, length);
        } else {
            // Large copies are memory-bound; two cores move more bytes than one.
            workers.forRange(length, COPY_GRAIN, (from, to) ->
                    System.arraycopy(s.array, s.offset + from, d.array, d.offset + from, to - from));
        }
    }

    @Override
    public void fill(Buffer dst, double value, int length) {
        CpuBuffer d = cb(dst);
        workers.forRange(length, COPY_GRAIN, (from, to) -> {
            switch (d.dtype) {
                case FLOAT32 -> Arrays.fill(d.f(), d.offset + from, d.offset + to, (float) value);
                case FLOAT64 -> Arrays.fill(d.d(), d.offset + from, d.offset + to, value);
                case INT32 -> Arrays.fill(d.i(), d.offset + from, d.offset + to, (int) value);
            }
        });
    }

    @Override
    public void uniform(Buffer dst, int length, long seed, double low, double high) {
        CpuBuffer d = cb(dst);
        double span = high - low;
        if (f32(d)) {
            float[] a = d.f();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> FloatKernels.uniform(a, d.offset, from, to, seed, low, span));
        } else {
            double[] a = d.d();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> DoubleKernels.uniform(a, d.offset, from, to, seed, low, span));
        }
    }

    @Override
    public void normal(Buffer dst, int length, long seed, double mean, double std) {
        CpuBuffer d = cb(dst);
        if (f32(d)) {
            float[] a = d.f();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> FloatKernels.normal(a, d.offset, from, to, seed, mean, std));
        } else {
            double[] a = d.d();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> DoubleKernels.normal(a, d.offset, from, to, seed, mean, std));
        }
    }

    // ---- embedding -----------------------------------------------------------------------------

    @Override
    public int firstIndexOutOfRange(Buffer indices, int count, int bound, int exempt) {
        CpuBuffer ix = cb(indices);
        int[] a = ix.i();
        for (int p = 0; p < count; p++) {
            int v = a[ix.offset + p];
            if ((v < 0 || v >= bound) && v != exempt) return p;
        }
        return -1;
    }

    @Override
    public void gather(Buffer table, Buffer indices, Buffer out, int count, int rowLength) {
        CpuBuffer t = cb(table), ix = cb(indices), o = cb(out);
        if (t.dtype != o.dtype) throw new IllegalArgumentException("gather from " + t.dtype + " into " + o.dtype);
        int[] idx = ix.i();
        workers.forRange(count, Math.max(1, COPY_GRAIN / Math.max(1, rowLength)), (from, to) -> {
            for (int p = from; p < to; p++) {
                System.arraycopy(t.array, t.offset + idx[ix.offset + p] * rowLength, o.array, o.offset + p * rowLength,
                        rowLength);
            }
        });
    }

    @Override
    public void scatterAdd(Buffer table, Buffer indices, Buffer src, int count, int rowLength, int skipIndex,
                           ScatterMode mode) {
        CpuBuffer t = cb(table), ix = cb(indices), s = cb(src);
        if (rowLength == 0 || count == 0) return;
        int rows = t.length / rowLength;
        boolean parallel = (long) count * rowLength >= 2L * CHEAP_GRAIN && rows > 1;
        int tasks = parallel ? Math.min(threads, rows) : 1;
        // Rows are dealt to tasks in granules of at least a cache line, so no line has two writers.
        int granule = Math.max(1, 16 / rowLength);
        int[] idx = ix.i();
        if (f32(t)) {
            float[] ta = t.f(), sa = s.f();
            workers.forTasks(tasks, task -> FloatKernels.scatterAdd(ta, t.offset, idx, ix.offset, sa, s.offset, count,
                    rowLength, skipIndex, task, tasks, granule));
        } else {
            double[] ta = t.d(), sa = s.d();
            workers.forTasks(tasks, task -> DoubleKernels.scatterAdd(ta, t.offset, idx, ix.offset, sa, s.offset, count,
                    rowLength, skipIndex, task, tasks, granule));
        }
    }

    // ---- linear algebra ------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, Buffer b,
                     double beta, Buffer c) {
        CpuBuffer A = cb(a), B = cb(b), C = cb(c);
        long cLength = (long) m * n;
        if (overlaps(C, cLength, A, (long) m * k) || overlaps(C, cLength, B, (long) k * n)) {
            throw new IllegalArgumentException("gemm: C must not share memory with A or B");
        }
        if (f32(C)) {
            FloatGemm.gemm(workers, math, transA, transB, m, n, k, (float) alpha, A.f(), A.offset, B.f(), B.offset,
                    (float) beta, C.f(), C.offset);
        } else {
            DoubleGemm.gemm(workers, transA, transB, m, n, k, alpha, A.d(), A.offset, B.d(), B.offset, beta, C.d(),
                    C.offset);
        }
    }

    private static boolean overlaps(CpuBuffer x, long xLength, CpuBuffer y, long yLength) {
        return x.array == y.array && xLength > 0 && yLength > 0
                && x.offset < y.offset + yLength && y.offset < x.offset + xLength;
    }

    // ---- the op families ----------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, Buffer x, Buffer y, int length) {
        CpuBuffer X = cb(x), Y = cb(y);
        if (op == UnaryOp.TANH) { // the SIMD tanh where the Vector API is present
            tanh(x, y, length);
            return;
        }
        if (op == UnaryOp.SIGMOID && f32(X)) { // the recurrent cells' sigmoid, SIMD where the Vector API is present
            float[] xa = X.f(), ya = Y.f();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> math.sigmoid(xa, X.offset + from, ya, Y.offset + from, to - from));
            return;
        }
        if (f32(X)) {
            float[] xa = X.f(), ya = Y.f();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> OpKernels.unary(op, xa, X.offset, ya, Y.offset, from, to));
        } else {
            double[] xa = X.d(), ya = Y.d();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> OpKernels.unary(op, xa, X.offset, ya, Y.offset, from, to));
        }
    }

    @Override
    public void binary(BinaryOp op, Buffer a, Buffer b, Buffer out, Strides layout) {
        CpuBuffer A = cb(a), B = cb(b), O = cb(out);
        if (layout.numel() == 0) return;
        int inner = layout.rank() == 0 ? 1 : layout.dim(layout.rank() - 1);
        int rows = layout.numel() / inner;
        int minRows = Math.max(1, CHEAP_GRAIN / inner);
        if (f32(O)) {
            float[] aa = A.f(), ba = B.f(), oa = O.f();
            workers.forRange(rows, minRows, (from, to) ->
                    OpKernels.binary(op, aa, A.offset, ba, B.offset, oa, O.offset, layout, from, to));
        } else {
            double[] aa = A.d(), ba = B.d(), oa = O.d();
            workers.forRange(rows, minRows, (from, to) ->
                    OpKernels.binary(op, aa, A.offset, ba, B.offset, oa, O.offset, layout, from, to));
        }
    }

    @Override
    public void binaryScalar(BinaryOp op, Buffer a, double scalar, boolean scalarFirst, Buffer out, int length) {
        CpuBuffer A = cb(a), O = cb(out);
        if (f32(O)) {
            float[] aa = A.f(), oa = O.f();
            float s = (float) scalar;
            workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                    OpKernels.rowWithScalar(op, aa, A.offset + from, s, scalarFirst, oa, O.offset + from, to - from));
        } else {
            double[] aa = A.d(), oa = O.d();
            workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                    OpKernels.rowWithScalar(op, aa, A.offset + from, scalar, scalarFirst, oa, O.offset + from, to - from));
        }
    }

    @Override
    public void reduce(ReduceOp op, Buffer x, Buffer out, int outer, int n, int inner) {
        CpuBuffer X = cb(x), O = cb(out);
        if (op.kind() == ReduceOp.Kind.SELECT && n == 0) {
            throw new IllegalArgumentException(op.opName() + " over an empty axis");
        }
        // Units of one outer index and a block of columns; narrower blocks when there are few outer
        // indices, so both threads get work. Each column is reduced alone, in axis order, so the
        // bits do not depend on the block width or the thread count.
        int width = Math.max(1, Math.min(OpKernels.COLUMN_BLOCK,
                outer >= threads ? inner : Math.max(64, (inner + threads - 1) / threads)));
        int blocks = (inner + width - 1) / width;
        int units = outer * blocks;
        if (units == 0) return;
        boolean f32 = f32(X);
        int minUnits = (int) Math.max(1, CHEAP_GRAIN / Math.max(1L, (long) n * Math.min(inner, width)));
        workers.forRange(units, minUnits, (from, to) -> {
            OpKernels.ReduceScratch scratch = OpKernels.REDUCE_SCRATCH.get();
            double[] row = scratch.row, acc = scratch.acc, shift = scratch.shift;
            int[] index = scratch.index;
            for (int u = from; u < to; u++) {
                int o = u / blocks, col = (u % blocks) * width;
                int w = Math.min(width, inner - col);
                int base = (X.offset + o * n * inner) + col;
                OpKernels.Slab slab = f32 ? OpKernels.slab(X.f(), base, inner, math) : OpKernels.slab(X.d(), base, inner);
                OpKernels.reduceUnit(op, slab, n, w, row, acc, shift, index);
                int at = O.offset + o * inner + col;
                if (op.indexResult()) {
                    System.arraycopy(index, 0, O.i(), at, w);
                } else if (f32) {
                    float[] oa = O.f();
                    for (int j = 0; j < w; j++) oa[at + j] = (float) acc[j];
                } else {
                    System.arraycopy(acc, 0, O.d(), at, w);
                }
            }
        });
    }

    @Override
    public void copyStrided(Buffer src, Buffer dst, Strides layout) {
        CpuBuffer S = cb(src), D = cb(dst);
        if (S.dtype != D.dtype) throw new IllegalArgumentException("copy between dtypes " + S.dtype + " and " + D.dtype);
        if (layout.numel() == 0) return;
        int inner = layout.rank() == 0 ? 1 : layout.dim(layout.rank() - 1);
        workers.forRange(layout.numel() / inner, Math.max(1, COPY_GRAIN / inner), (from, to) ->
                OpKernels.copyStrided(S.array, S.offset, D.array, D.offset, layout, from, to));
    }

    // ---- activations ---------------------------------------------------------------------------

    /** tanh through FloatArrayMath: the SIMD override of the op table's TANH. */
    private void tanh(Buffer x, Buffer y, int length) {
        CpuBuffer X = cb(x), Y = cb(y);
        if (f32(X)) {
            float[] xa = X.f(), ya = Y.f();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> math.tanh(xa, X.offset + from, ya, Y.offset + from, to - from));
        } else {
            double[] xa = X.d(), ya = Y.d();
            workers.forRange(length, COSTLY_GRAIN, (from, to) -> DoubleKernels.tanh(xa, X.offset, ya, Y.offset, from, to));
        }
    }

    @Override
    public void tanhBackward(Buffer y, Buffer dy, Buffer dx, int length, boolean accumulate) {
        CpuBuffer Y = cb(y), DY = cb(dy), DX = cb(dx);
        if (f32(Y)) {
            float[] ya = Y.f(), dya = DY.f(), dxa = DX.f();
            workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                    FloatKernels.tanhBackward(ya, Y.offset, dya, DY.offset, dxa, DX.offset, from, to, accumulate));
        } else {
            double[] ya = Y.d(), dya = DY.d(), dxa = DX.d();
            workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                    DoubleKernels.tanhBackward(ya, Y.offset, dya, DY.offset, dxa, DX.offset, from, to, accumulate));
        }
    }

    // ---- recurrent cells -----------------------------------------------------------------------

    /** Batch rows per task: a cell row costs a few transcendental functions per element. */
    private static int cellRows(int hidden) {
        return Math.max(1, COSTLY_GRAIN / (4 * hidden));
    }

    @Override
    public void lstmCellForward(Buffer gates, Buffer cPrev, Buffer c, Buffer h, int batch, int hidden) {
        CpuBuffer G = cb(gates), P = cb(cPrev), C = cb(c), H = cb(h);
        if (f32(G)) {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.lstmForward(math, G.f(), G.offset,
                    P.f(), P.offset, C.f(), C.offset, H.f(), H.offset, hidden, from, to));
        } else {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.lstmForward(G.d(), G.offset,
                    P.d(), P.offset, C.d(), C.offset, H.d(), H.offset, hidden, from, to));
        }
    }

    @Override
    public void lstmCellBackward(Buffer gates, Buffer cPrev, Buffer c, Buffer dh, Buffer dc, Buffer dGates,
                                 int batch, int hidden) {
        CpuBuffer G = cb(gates), P = cb(cPrev), C = cb(c), DH = cb(dh), DC = cb(dc), DG = cb(dGates);
        if (f32(G)) {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.lstmBackward(math, G.f(), G.offset,
                    P.f(), P.offset, C.f(), C.offset, DH.f(), DH.offset, DC.f(), DC.offset, DG.f(), DG.offset, hidden,
                    from, to));
        } else {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.lstmBackward(G.d(), G.offset,
                    P.d(), P.offset, C.d(), C.offset, DH.d(), DH.offset, DC.d(), DC.offset, DG.d(), DG.offset, hidden,
                    from, to));
        }
    }

    @Override
    public void gruCellForward(Buffer gi, Buffer gh, Buffer hPrev, Buffer h, int batch, int hidden) {
        CpuBuffer I = cb(gi), K = cb(gh), P = cb(hPrev), H = cb(h);
        if (f32(I)) {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.gruForward(math, I.f(), I.offset,
                    K.f(), K.offset, P.f(), P.offset, H.f(), H.offset, hidden, from, to));
        } else {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.gruForward(I.d(), I.offset,
                    K.d(), K.offset, P.d(), P.offset, H.d(), H.offset, hidden, from, to));
        }
    }

    @Override
    public void gruCellBackward(Buffer gates, Buffer gh, Buffer hPrev, Buffer dh, Buffer dGi, Buffer dGh,
                                Buffer dhPrev, int batch, int hidden) {
        CpuBuffer G = cb(gates), K = cb(gh), P = cb(hPrev), DH = cb(dh), DI = cb(dGi), DK = cb(dGh), DP = cb(dhPrev);
        if (f32(G)) {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.gruBackward(G.f(), G.offset,
                    K.f(), K.offset, P.f(), P.offset, DH.f(), DH.offset, DI.f(), DI.offset, DK.f(), DK.offset,
                    DP.f(), DP.offset, hidden, from, to));
        } else {
            workers.forRange(batch, cellRows(hidden), (from, to) -> RecurrentKernels.gruBackward(G.d(), G.offset,
                    K.d(), K.offset, P.d(), P.offset, DH.d(), DH.offset, DI.d(), DI.offset, DK.d(), DK.offset,
                    DP.d(), DP.offset, hidden, from, to));
        }
    }

    // ---- recurrent layers ----------------------------------------------------------------------

    @Override
    public void rnnTanhSequenceForward(Buffer h, Buffer whh, Buffer hInit, int steps, int batch, int hidden) {
        int tasks = RecurrentSequences.tasks(threads, batch);
        if (tasks == 0) {
            Backend.super.rnnTanhSequenceForward(h, whh, hInit, steps, batch, hidden);
        } else {
            Buffer whhT = forwardWeight(whh, steps, hidden, hidden);
            try {
                RecurrentSequences.rnnTanhForward(workers, math, cb(h), cb(whhT == null ? whh : whhT), whhT == null,
                        hInit == null ? null : cb(hInit), steps, batch, hidden, tasks);
            } finally {
                if (whhT != null) release(whhT);
            }
        }
    }

    /**
     * W_hh^T, copied once, for a forward sequence whose products will not pack the weight (float64,
     * the portable loops) and run more than one step: they would transpose it again at every step.
     * Null where the sequence reads whh as stored.
     */
    private Buffer forwardWeight(Buffer whh, int steps, int rows, int cols) {
        boolean f32 = cb(whh).dtype == DType.FLOAT32;
        return steps > 1 && !RecurrentSequences.packs(math, f32, steps) ? transposed(whh, rows, cols) : null;
    }

    @Override
    public void rnnTanhSequenceBackward(Buffer h, Buffer whh, Buffer dh, int steps, int batch, int hidden) {
        int tasks = RecurrentSequences.tasks(threads, batch);
        if (tasks == 0) {
            Backend.super.rnnTanhSequenceBackward(h, whh, dh, steps, batch, hidden);
        } else {
            RecurrentSequences.rnnTanhBackward(workers, math, cb(h), cb(whh), cb(dh), steps, batch, hidden, tasks);
        }
    }

    @Override
    public void lstmSequenceForward(Buffer gates, Buffer whh, Buffer hInit, boolean hInitZero, Buffer cInit, Buffer c,
                                    Buffer h, int steps, int batch, int hidden) {
        int tasks = RecurrentSequences.tasks(threads, batch);
        if (tasks == 0) {
            Backend.super.lstmSequenceForward(gates, whh, hInit, hInitZero, cInit, c, h, steps, batch, hidden);
        } else {
            Buffer whhT = forwardWeight(whh, steps, 4 * hidden, hidden);
            try {
                RecurrentSequences.lstmForward(workers, math, cb(gates), cb(whhT == null ? whh : whhT), whhT == null,
                        cb(hInit), hInitZero, cb(cInit), cb(c), cb(h), steps, batch, hidden, tasks);
            } finally {
                if (whhT != null) release(whhT);
            }
        }
    }

    @Override
    public void lstmSequenceBackward(Buffer gates, Buffer whh, Buffer cInit, Buffer c, Buffer dh, Buffer dc,
                                     Buffer dGates, int steps, int batch, int hidden) {
        int tasks = RecurrentSequences.tasks(threads, batch);
        if (tasks == 0) {
            Backend.super.lstmSequenceBackward(gates, whh, cInit, c, dh, dc, dGates, steps, batch, hidden);
        } else {
            RecurrentSequences.lstmBackward(workers, math, cb(gates), cb(whh), cb(cInit), cb(c), cb(dh), cb(dc),
                    cb(dGates), steps, batch, hidden, tasks);
        }
    }

    @Override
    public void gruSequenceForward(Buffer gi, Buffer gh, Buffer whh, Buffer hInit, boolean hInitZero, Buffer h,
                                   int steps, int batch, int hidden) {
        int tasks = RecurrentSequences.tasks(threads, batch);
        if (tasks == 0) {
            Backend.super.gruSequenceForward(gi, gh, whh, hInit, hInitZero, h, steps, batch, hidden);
        } else {
            Buffer whhT = forwardWeight(whh, steps, 3 * hidden, hidden);
            try {
                RecurrentSequences.gruForward(workers, math, cb(gi), cb(gh), cb(whhT == null ? whh : whhT), whhT == null,
                        cb(hInit), hInitZero, cb(h), steps, batch, hidden, tasks);
            } finally {
                if (whhT != null) release(whhT);
            }
        }
    }

    @Override
    public void gruSequenceBackward(Buffer gates, Buffer gh, Buffer whh, Buffer hInit, Buffer h, Buffer dh, Buffer dGi,
                                    Buffer dGh, Buffer dhInit, int steps, int batch, int hidden) {
        int tasks = RecurrentSequences.tasks(threads, batch);
        if (tasks == 0) {
            Backend.super.gruSequenceBackward(gates, gh, whh, hInit, h, dh, dGi, dGh, dhInit, steps, batch, hidden);
        } else {
            RecurrentSequences.gruBackward(workers, math, cb(gates), cb(gh), cb(whh), cb(hInit), cb(h), cb(dh), cb(dGi),
                    cb(dGh), cb(dhInit), steps, batch, hidden, tasks);
        }
    }

    // ---- loss ----------------------------------------------------------------------------------

    @Override
    public void softmaxCrossEntropy(Buffer logits, Buffer targets, int rows, int cols, int ignoreIndex, Buffer loss,
                                    Buffer dLogits) {
        CpuBuffer X = cb(logits), T = cb(targets), L = cb(loss), G = cb(dLogits);
        int[] t = T.i();
        int count = 0;
        for (int r = 0; r < rows; r++) if (t[T.offset + r] != ignoreIndex) count++;
        int counted = count;
        // Each row's loss lands in its own slot and the slots are summed in row order afterwards,
        // so the mean does not depend on how rows were split between threads.
        double[] rowLoss = new double[rows];
        int minRows = Math.max(1, COSTLY_GRAIN / Math.max(1, cols));
        if (f32(X)) {
            float[] x = X.f(), g = G.f();
            workers.forRange(rows, minRows, (from, to) -> FloatKernels.softmaxCrossEntropy(math, x, X.offset, t, T.offset, g,
                    G.offset, from, to, cols, ignoreIndex, counted, rowLoss));
        } else {
            double[] x = X.d(), g = G.d();
            workers.forRange(rows, minRows, (from, to) -> DoubleKernels.softmaxCrossEntropy(x, X.offset, t, T.offset, g,
                    G.offset, from, to, cols, ignoreIndex, counted, rowLoss));
        }
        double total = 0;
        for (double v : rowLoss) total += v;
        storeScalar(L, count == 0 ? Double.NaN : total / count);
    }

    private static void storeScalar(CpuBuffer out, double value) {
        if (f32(out)) out.f()[out.offset] = (float) value;
        else out.d()[out.offset] = value;
    }

    @Override
    public void axpy(double alpha, Buffer x, Buffer y, int length) {
        CpuBuffer X = cb(x), Y = cb(y);
        if (f32(Y)) {
            float[] xa = X.f(), ya = Y.f();
            float fa = (float) alpha;
            workers.forRange(length, CHEAP_GRAIN, (from, to) -> FloatKernels.axpy(fa, xa, X.offset, ya, Y.offset, from, to));
        } else {
            double[] xa = X.d(), ya = Y.d();
            workers.forRange(length, CHEAP_GRAIN, (from, to) -> DoubleKernels.axpy(alpha, xa, X.offset, ya, Y.offset, from, to));
        }
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Override
    public void squaredNorm(Buffer x, Buffer out, int length) {
        CpuBuffer X = cb(x);
        double total;
        if (f32(X)) {
            float[] xa = X.f();
            total = workers.sumOfBlocks(length, (from, to) -> FloatKernels.squaredNorm(xa, X.offset, from, to));
        } else {
            double[] xa = X.d();
            total = workers.sumOfBlocks(length, (from, to) -> DoubleKernels.squaredNorm(xa, X.offset, from, to));
        }
        storeScalar(cb(out), total);
    }

    // ---- row-sparse gradients -------------------------------------------------------------------

    @Override
    public void coalesceRows(Buffer indices, Buffer src, int count, int rowLength, int skipIndex, Buffer rows,
                             Buffer values, Buffer nnz) {
        CpuBuffer ix = cb(indices), S = cb(src), R = cb(rows), V = cb(values), N = cb(nnz);
        long[] keys = SparseKernels.sortedKeys(ix.i(), ix.offset, count, skipIndex);
        int[] starts = SparseKernels.runStarts(keys);
        int distinct = starts.length - 1;
        int[] ra = R.i();
        int runsPerChunk = Math.max(1, CHEAP_GRAIN / Math.max(1, rowLength));
        int padFrom = V.offset + distinct * rowLength, padTo = V.offset + count * rowLength;
        if (f32(V)) {
            float[] sa = S.f(), va = V.f();
            workers.forRange(distinct, runsPerChunk, (from, to) -> SparseKernels.sumRuns(sa, S.offset, keys, starts, from,
                    to, rowLength, ra, R.offset, va, V.offset));
            Arrays.fill(va, padFrom, padTo, 0f);
        } else {
            double[] sa = S.d(), va = V.d();
            workers.forRange(distinct, runsPerChunk, (from, to) -> SparseKernels.sumRuns(sa, S.offset, keys, starts, from,
                    to, rowLength, ra, R.offset, va, V.offset));
            Arrays.fill(va, padFrom, padTo, 0.0);
        }
        Arrays.fill(ra, R.offset + distinct, R.offset + count, -1);
        N.i()[N.offset] = distinct;
    }

    @Override
    public void sparseSgdUpdate(Buffer param, Buffer rows, Buffer values, int capacity, int rowLength, Buffer lrOnDevice,
                                double weightDecay) {
        CpuBuffer P = cb(param), R = cb(rows), G = cb(values);
        double lr = scalar(lrOnDevice, 0);
        int[] ra = R.i();
        int slotsPerChunk = Math.max(1, CHEAP_GRAIN / Math.max(1, rowLength));
        if (f32(P)) {
            float[] pa = P.f(), ga = G.f();
            workers.forRange(capacity, slotsPerChunk, (from, to) -> SparseKernels.forTouchedRows(ra, R.offset, from, to,
                    (q, r) -> FloatKernels.sgd(pa, P.offset + r * rowLength, ga, G.offset + q * rowLength, 0, rowLength,
                            lr, weightDecay)));
        } else {
            double[] pa = P.d(), ga = G.d();
            workers.forRange(capacity, slotsPerChunk, (from, to) -> SparseKernels.forTouchedRows(ra, R.offset, from, to,
                    (q, r) -> DoubleKernels.sgd(pa, P.offset + r * rowLength, ga, G.offset + q * rowLength, 0, rowLength,
                            lr, weightDecay)));
        }
    }

    @Override
    public void sparseAdamUpdate(Buffer param, Buffer rows, Buffer values, Buffer m, Buffer v, int capacity,
                                 int rowLength, Buffer scalars, double beta1, double beta2, double eps) {
        CpuBuffer P = cb(param), R = cb(rows), G = cb(values), M = cb(m), V = cb(v);
        int[] ra = R.i();
        int slotsPerChunk = Math.max(1, CHEAP_GRAIN / Math.max(1, rowLength));
        double lr = scalar(scalars, 0), bc1 = scalar(scalars, 1), bc2 = scalar(scalars, 2);
        if (f32(P)) {
            float[] pa = P.f(), ga = G.f(), ma = M.f(), va = V.f();
            workers.forRange(capacity, slotsPerChunk, (from, to) -> SparseKernels.forTouchedRows(ra, R.offset, from, to,
                    (q, r) -> FloatKernels.adam(pa, P.offset + r * rowLength, ga, G.offset + q * rowLength, ma,
                            M.offset + r * rowLength, va, V.offset + r * rowLength, 0, rowLength, lr, beta1, beta2, eps,
                            0.0, bc1, bc2)));
        } else {
            double[] pa = P.d(), ga = G.d(), ma = M.d(), va = V.d();
            workers.forRange(capacity, slotsPerChunk, (from, to) -> SparseKernels.forTouchedRows(ra, R.offset, from, to,
                    (q, r) -> DoubleKernels.adam(pa, P.offset + r * rowLength, ga, G.offset + q * rowLength, ma,
                            M.offset + r * rowLength, va, V.offset + r * rowLength, 0, rowLength, lr, beta1, beta2, eps,
                            0.0, bc1, bc2)));
        }
    }

    // ---- optimizers ----------------------------------------------------------------------------

    @Override
    public void sgdUpdate(Buffer param, Buffer grad, Buffer velocity, int length, Buffer lrOnDevice, double momentum,
                          double weightDecay) {
        CpuBuffer P = cb(param), G = cb(grad), V = velocity == null ? null : cb(velocity);
        double lr = scalar(lrOnDevice, 0);
        if (f32(P)) {
            float[] pa = P.f(), ga = G.f();
            if (V == null) {
                workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                        FloatKernels.sgd(pa, P.offset, ga, G.offset, from, to, lr, weightDecay));
            } else {
                float[] va = V.f();
                workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                        FloatKernels.sgdMomentum(pa, P.offset, ga, G.offset, va, V.offset, from, to, lr, momentum, weightDecay));
            }
        } else {
            double[] pa = P.d(), ga = G.d();
            if (V == null) {
                workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                        DoubleKernels.sgd(pa, P.offset, ga, G.offset, from, to, lr, weightDecay));
            } else {
                double[] va = V.d();
                workers.forRange(length, CHEAP_GRAIN, (from, to) ->
                        DoubleKernels.sgdMomentum(pa, P.offset, ga, G.offset, va, V.offset, from, to, lr, momentum, weightDecay));
            }
        }
    }

    @Override
    public void adamUpdate(Buffer param, Buffer grad, Buffer m, Buffer v, int length, Buffer scalars, double beta1,
                           double beta2, double eps, double weightDecay) {
        CpuBuffer P = cb(param), G = cb(grad), M = cb(m), V = cb(v);
        double lr = scalar(scalars, 0), bc1 = scalar(scalars, 1), bc2 = scalar(scalars, 2);
        if (f32(P)) {
            float[] pa = P.f(), ga = G.f(), ma = M.f(), va = V.f();
            workers.forRange(length, CHEAP_GRAIN, (from, to) -> FloatKernels.adam(pa, P.offset, ga, G.offset, ma, M.offset,
                    va, V.offset, from, to, lr, beta1, beta2, eps, weightDecay, bc1, bc2));
        } else {
            double[] pa = P.d(), ga = G.d(), ma = M.d(), va = V.d();
            workers.forRange(length, CHEAP_GRAIN, (from, to) -> DoubleKernels.adam(pa, P.offset, ga, G.offset, ma, M.offset,
                    va, V.offset, from, to, lr, beta1, beta2, eps, weightDecay, bc1, bc2));
        }
    }

    /** Element i of a FLOAT64 buffer of per-step scalars. */
    private double scalar(Buffer scalars, int i) {
        CpuBuffer s = cb(scalars);
        if (s.dtype() != DType.FLOAT64 || s.length() <= i) {
            throw new IllegalArgumentException("per-step scalars must be a FLOAT64 buffer of at least " + (i + 1)
                    + " elements, got " + s.dtype() + " [" + s.length() + "]");
        }
        return s.d()[s.offset + i];
    }

    /** Shuts the worker threads down and drops the cache; buffers are invalid afterwards. */
    @Override
    public void close() {
        workers.close();
        allocator.close();
    }
}
