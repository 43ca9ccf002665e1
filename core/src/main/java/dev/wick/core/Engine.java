package dev.wick.core;

import dev.wick.core.backend.Backend;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;

import java.util.ArrayDeque;

/**
 * One backend plus the bookkeeping around it: tensor factories, memory scopes and the switches
 * that change how kernels run. Open one with {@link Wick}. Engines are independent: two can live
 * in one JVM (a CPU one and a CUDA one, say).
 */
public final class Engine implements AutoCloseable {
    private final Backend backend;
    private final ThreadLocal<ArrayDeque<Scope>> scopes = ThreadLocal.withInitial(ArrayDeque::new);
    private volatile ScatterMode scatterMode = defaultScatterMode();
    private volatile boolean closed;

    public Engine(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("backend must not be null");
        this.backend = backend;
    }

    private static ScatterMode defaultScatterMode() {
        return Boolean.getBoolean("wick.deterministic") ? ScatterMode.DETERMINISTIC : ScatterMode.ATOMIC;
    }

    public Backend backend() {
        checkOpen();
        return backend;
    }

    public Device device() {
        return backend.device();
    }

    public String description() {
        return backend.description();
    }

    /**
     * How the embedding backward accumulates repeated rows. ATOMIC by default (fast; on a GPU the
     * last bits may differ run to run); DETERMINISTIC gives bit-identical results run to run.
     * The system property {@code wick.deterministic=true} makes DETERMINISTIC the default.
     */
    public ScatterMode scatterMode() {
        return scatterMode;
    }

    public Engine setScatterMode(ScatterMode mode) {
        if (mode == null) throw new IllegalArgumentException("scatter mode must not be null");
        this.scatterMode = mode;
        return this;
    }

    public MemoryStats memoryStats() {
        return backend.memoryStats();
    }

    /** The most memory this engine's tensors can take in all, in bytes; see {@link Backend#memoryCapacity}. */
    public long memoryCapacity() {
        return backend.memoryCapacity();
    }

    // ---- scopes ---------------------------------------------------------------------------------

    /** Opens a memory scope on this thread; see {@link Scope}. */
    public Scope scope() {
        checkOpen();
        ArrayDeque<Scope> stack = scopes.get();
        Scope s = new Scope(this, stack.peek());
        stack.push(s);
        return s;
    }

    void popScope(Scope s) {
        ArrayDeque<Scope> stack = scopes.get();
        if (stack.peek() != s) {
            throw new IllegalStateException("scopes must be closed innermost first (and on the thread that opened them)");
        }
        stack.pop();
    }

    void adopt(Tensor t) {
        Scope s = scopes.get().peek();
        if (s != null) s.adopt(t);
    }

    // ---- factories ------------------------------------------------------------------------------

    /** A tensor whose contents are unspecified (fast: no fill). */
    public Tensor empty(DType dtype, Shape shape) {
        checkOpen();
        if (dtype == null) throw new IllegalArgumentException("dtype must not be null");
        return new Tensor(this, shape, dtype, backend.allocate(dtype, shape.numel()));
    }

    public Tensor empty(DType dtype, int... dims) {
        return empty(dtype, Shape.of(dims));
    }

    public Tensor zeros(DType dtype, int... dims) {
        return full(dtype, 0.0, dims);
    }

    public Tensor zeros(DType dtype, Shape shape) {
        return full(dtype, 0.0, shape);
    }

    public Tensor full(DType dtype, double value, int... dims) {
        return full(dtype, value, Shape.of(dims));
    }

    public Tensor full(DType dtype, double value, Shape shape) {
        Tensor t = empty(dtype, shape);
        backend.fill(t.buffer(), value, shape.numel());
        return t;
    }

    /** A scalar (rank 0) tensor. */
    public Tensor scalar(DType dtype, double value) {
        return full(dtype, value, Shape.scalar());
    }

    public Tensor fromFloats(float[] data, int... dims) {
        Shape shape = Shape.of(dims);
        checkLength(data.length, shape);
        Tensor t = empty(DType.FLOAT32, shape);
        backend.upload(data, 0, t.buffer(), data.length);
        return t;
    }

    public Tensor fromDoubles(double[] data, int... dims) {
        Shape shape = Shape.of(dims);
        checkLength(data.length, shape);
        Tensor t = empty(DType.FLOAT64, shape);
        backend.upload(data, 0, t.buffer(), data.length);
        return t;
    }

    public Tensor fromInts(int[] data, int... dims) {
        Shape shape = Shape.of(dims);
        checkLength(data.length, shape);
        Tensor t = empty(DType.INT32, shape);
        backend.upload(data, 0, t.buffer(), data.length);
        return t;
    }

    /** Values from the host converted to {@code dtype} (FLOAT32 or FLOAT64). */
    public Tensor fromDoubles(DType dtype, double[] data, int... dims) {
        if (dtype == DType.FLOAT64) return fromDoubles(data, dims);
        if (dtype != DType.FLOAT32) throw new IllegalArgumentException("expected a floating dtype, got " + dtype);
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return fromFloats(f, dims);
    }

    /** Uniform in [low, high), reproducible from the seed on every backend (see {@link CounterRng}). */
    public Tensor uniform(DType dtype, long seed, double low, double high, int... dims) {
        Tensor t = empty(requireFloating(dtype), Shape.of(dims));
        backend.uniform(t.buffer(), t.numel(), seed, low, high);
        return t;
    }

    /** Normal(mean, std), reproducible from the seed on every backend. */
    public Tensor normal(DType dtype, long seed, double mean, double std, int... dims) {
        Tensor t = empty(requireFloating(dtype), Shape.of(dims));
        backend.normal(t.buffer(), t.numel(), seed, mean, std);
        return t;
    }

    /** A copy of {@code t} (from any engine) on this engine, with the same dtype and shape. */
    public Tensor copyOf(Tensor t) {
        Shape s = t.shape();
        int[] dims = s.dims();
        return switch (t.dtype()) {
            case FLOAT32 -> fromFloats(t.toFloatArray(), dims);
            case FLOAT64 -> fromDoubles(t.toDoubleArray(), dims);
            case INT32 -> fromInts(t.toIntArray(), dims);
        };
    }

    private static DType requireFloating(DType dtype) {
        if (dtype == null || !dtype.isFloating()) {
            throw new IllegalArgumentException("expected FLOAT32 or FLOAT64, got " + dtype);
        }
        return dtype;
    }

    private static void checkLength(int length, Shape shape) {
        if (length != shape.numel()) {
            throw new IllegalArgumentException("data has " + length + " elements but shape " + shape
                    + " needs " + shape.numel());
        }
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("engine is closed");
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the backend; tensors of this engine are invalid afterwards. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        backend.close();
    }

    @Override
    public String toString() {
        return "Engine[" + description() + "]";
    }
}
