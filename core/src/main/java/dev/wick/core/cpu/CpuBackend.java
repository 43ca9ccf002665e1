package dev.wick.core.cpu;

import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Device;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;

/**
 * The CPU backend: plain Java over arrays. It is both the fallback and the reference that the CUDA
 * backend is checked against. FIRST DRAFT: straightforward loops; GEMM blocking, threading and the
 * caching allocator come next.
 */
public final class CpuBackend implements Backend {
    private final int threads;

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public String description() {
        return "cpu (" + threads + " thread" + (threads == 1 ? "" : "s") + ")";
    }

    private static CpuBuffer cb(Buffer b) {
        if (b instanceof CpuBuffer c) return c;
        throw new IllegalArgumentException("not a CPU buffer: " + b);
    }

    // ---- memory ---------------------------------------------------------------------------------

    private long inUse, peak, allocations, frees;

    @Override
    public synchronized Buffer allocate(DType dtype, int length) {
        Object array = switch (dtype) {
            case FLOAT32 -> new float[length];
            case FLOAT64 -> new double[length];
            case INT32 -> new int[length];
        };
        allocations++;
        inUse += (long) length * dtype.byteSize();
        peak = Math.max(peak, inUse);
        return new CpuBuffer(dtype, array, 0, length, true);
    }

    @Override
    public synchronized void release(Buffer buffer) {
        CpuBuffer c = cb(buffer);
        if (!c.owning) throw new IllegalArgumentException("cannot release a view");
        inUse -= (long) c.length * c.dtype.byteSize();
        frees++;
    }

    @Override
    public synchronized MemoryStats memoryStats() {
        return new MemoryStats(inUse, peak, 0, allocations, frees);
    }

    @Override
    public void trimCache() {
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
    }

    // ---- fills, copies, random ------------------------------------------------------------------

    @Override
    public void copy(Buffer src, Buffer dst, int length) {
        CpuBuffer s = cb(src), d = cb(dst);
        System.arraycopy(s.array, s.offset, d.array, d.offset, length);
    }

    @Override
    public void fill(Buffer dst, double value, int length) {
        CpuBuffer d = cb(dst);
        switch (d.dtype) {
            case FLOAT32 -> java.util.Arrays.fill(d.f(), d.offset, d.offset + length, (float) value);
            case FLOAT64 -> java.util.Arrays.fill(d.d(), d.offset, d.offset + length, value);
            case INT32 -> java.util.Arrays.fill(d.i(), d.offset, d.offset + length, (int) value);
        }
    }

    @Override
    public void uniform(Buffer dst, int length, long seed, double low, double high) {
        CpuBuffer d = cb(dst);
        double span = high - low;
        for (int i = 0; i < length; i++) {
            double v = low + span * CounterRng.uniform(seed, i);
            set(d, i, v);
        }
    }

    @Override
    public void normal(Buffer dst, int length, long seed, double mean, double std) {
        CpuBuffer d = cb(dst);
        for (int i = 0; i < length; i++) {
            set(d, i, mean + std * CounterRng.normal(seed, i));
        }
    }

    private static void set(CpuBuffer b, int i, double v) {
        if (b.dtype == DType.FLOAT32) b.f()[b.offset + i] = (float) v;
        else b.d()[b.offset + i] = v;
    }

    private static double get(CpuBuffer b, int i) {
        return b.dtype == DType.FLOAT32 ? b.f()[b.offset + i] : b.d()[b.offset + i];
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
        int[] idx = ix.i();
        for (int p = 0; p < count; p++) {
            System.arraycopy(t.array, t.offset + idx[ix.offset + p] * rowLength, o.array, o.offset + p * rowLength, rowLength);
        }
    }

    @Override
    public void scatterAdd(Buffer table, Buffer indices, Buffer src, int count, int rowLength, int skipIndex,
                           ScatterMode mode) {
        CpuBuffer t = cb(table), ix = cb(indices), s = cb(src);
        int[] idx = ix.i();
        for (int p = 0; p < count; p++) {
            int row = idx[ix.offset + p];
            if (row == skipIndex) continue;
            for (int j = 0; j < rowLength; j++) {
                set(t, row * rowLength + j, get(t, row * rowLength + j) + get(s, p * rowLength + j));
            }
        }
    }

    // ---- linear algebra ------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, Buffer b,
                     double beta, Buffer c) {
        CpuBuffer A = cb(a), B = cb(b), C = cb(c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? get(A, p * m + i) : get(A, i * k + p);
                    double bv = transB ? get(B, j * k + p) : get(B, p * n + j);
                    acc += av * bv;
                }
                double prev = beta == 0 ? 0 : beta * get(C, i * n + j);
                set(C, i * n + j, alpha * acc + prev);
            }
        }
    }

    // ---- activations ---------------------------------------------------------------------------

    @Override
    public void tanh(Buffer x, Buffer y, int length) {
        CpuBuffer X = cb(x), Y = cb(y);
        for (int i = 0; i < length; i++) set(Y, i, Math.tanh(get(X, i)));
    }

    @Override
    public void tanhBackward(Buffer y, Buffer dy, Buffer dx, int length, boolean accumulate) {
        CpuBuffer Y = cb(y), DY = cb(dy), DX = cb(dx);
        for (int i = 0; i < length; i++) {
            double yv = get(Y, i);
            double g = get(DY, i) * (1 - yv * yv);
            set(DX, i, accumulate ? get(DX, i) + g : g);
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
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int target = t[T.offset + r];
            int base = r * cols;
            if (target == ignoreIndex) {
                for (int j = 0; j < cols; j++) set(G, base + j, 0);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, get(X, base + j));
            double s = 0;
            for (int j = 0; j < cols; j++) s += Math.exp(get(X, base + j) - max);
            double lse = max + Math.log(s);
            total += lse - get(X, base + target);
            for (int j = 0; j < cols; j++) {
                double p = Math.exp(get(X, base + j) - lse);
                set(G, base + j, (p - (j == target ? 1 : 0)) / count);
            }
        }
        set(L, 0, count == 0 ? Double.NaN : total / count);
    }

    // ---- bias ----------------------------------------------------------------------------------

    @Override
    public void addRowVector(Buffer x, Buffer bias, Buffer out, int rows, int cols) {
        CpuBuffer X = cb(x), B = cb(bias), O = cb(out);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) set(O, r * cols + c, get(X, r * cols + c) + get(B, c));
    }

    @Override
    public void sumRows(Buffer x, Buffer out, int rows, int cols, boolean accumulate) {
        CpuBuffer X = cb(x), O = cb(out);
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) s += get(X, r * cols + c);
            set(O, c, accumulate ? get(O, c) + s : s);
        }
    }

    // ---- elementwise ---------------------------------------------------------------------------

    @Override
    public void add(Buffer a, Buffer b, Buffer out, int length) {
        CpuBuffer A = cb(a), B = cb(b), O = cb(out);
        for (int i = 0; i < length; i++) set(O, i, get(A, i) + get(B, i));
    }

    @Override
    public void mul(Buffer a, Buffer b, Buffer out, int length) {
        CpuBuffer A = cb(a), B = cb(b), O = cb(out);
        for (int i = 0; i < length; i++) set(O, i, get(A, i) * get(B, i));
    }

    @Override
    public void scale(Buffer x, double alpha, Buffer out, int length) {
        CpuBuffer X = cb(x), O = cb(out);
        for (int i = 0; i < length; i++) set(O, i, alpha * get(X, i));
    }

    @Override
    public void axpy(double alpha, Buffer x, Buffer y, int length) {
        CpuBuffer X = cb(x), Y = cb(y);
        for (int i = 0; i < length; i++) set(Y, i, get(Y, i) + alpha * get(X, i));
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Override
    public void sum(Buffer x, Buffer out, int length) {
        CpuBuffer X = cb(x);
        double s = 0;
        for (int i = 0; i < length; i++) s += get(X, i);
        set(cb(out), 0, s);
    }

    @Override
    public void squaredNorm(Buffer x, Buffer out, int length) {
        CpuBuffer X = cb(x);
        double s = 0;
        for (int i = 0; i < length; i++) {
            double v = get(X, i);
            s += v * v;
        }
        set(cb(out), 0, s);
    }

    // ---- optimizers ----------------------------------------------------------------------------

    @Override
    public void sgdUpdate(Buffer param, Buffer grad, Buffer velocity, int length, double lr, double momentum,
                          double weightDecay) {
        CpuBuffer P = cb(param), G = cb(grad), V = velocity == null ? null : cb(velocity);
        for (int i = 0; i < length; i++) {
            double g = get(G, i) + weightDecay * get(P, i);
            if (V != null) {
                double v = momentum * get(V, i) + g;
                set(V, i, v);
                g = v;
            }
            set(P, i, get(P, i) - lr * g);
        }
    }

    @Override
    public void adamUpdate(Buffer param, Buffer grad, Buffer m, Buffer v, int length, double lr, double beta1,
                           double beta2, double eps, double weightDecay, int step) {
        CpuBuffer P = cb(param), G = cb(grad), M = cb(m), V = cb(v);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < length; i++) {
            double g = get(G, i) + weightDecay * get(P, i);
            double mi = beta1 * get(M, i) + (1 - beta1) * g;
            double vi = beta2 * get(V, i) + (1 - beta2) * g * g;
            set(M, i, mi);
            set(V, i, vi);
            set(P, i, get(P, i) - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
        }
    }

    @Override
    public void close() {
    }
}
