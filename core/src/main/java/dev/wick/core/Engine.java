package dev.wick.core;

import dev.wick.core.backend.Backend;
import dev.wick.core.backend.DeviceGraph;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;

import java.util.ArrayDeque;

/**
 * One backend plus the bookkeeping around it: tensor factories, memory scopes and the switches
 * that change how kernels run. Open one with {@link Wick}. Engines are independent: two can live
 * in one JVM (a CPU one and a CUDA one, say).
 *
 * <p>Threads: memory scopes are per thread (a scope opened on one thread collects only that
 * thread's tensors), and the factories, {@link #memoryStats()} and the switches may be called from
 * any thread. On the CPU, several threads may compute on one engine at once, each on its own
 * tensors, and each gets exactly what it would alone (kernels keep their scratch per thread; the
 * allocator is locked). A CUDA engine runs every kernel on one stream: drive it from one thread at
 * a time (hand it over with a happens-before edge, such as a queue or a lock). {@link #close()}
 * must not race with work on the engine.
 */
public final class Engine implements AutoCloseable {
    private final Backend backend;
    private final ThreadLocal<ArrayDeque<Scope>> scopes = ThreadLocal.withInitial(ArrayDeque::new);
    private volatile ScatterMode scatterMode = defaultScatterMode();
    private volatile boolean closed;

    /**
     * An engine over a backend, which it owns from now on (closing the engine closes it). Most
     * programs open engines through {@link Wick} instead.
     *
     * @param backend the backend
     */
    public Engine(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("backend must not be null");
        this.backend = backend;
    }

    private static ScatterMode defaultScatterMode() {
        return Boolean.getBoolean("wick.deterministic") ? ScatterMode.DETERMINISTIC : ScatterMode.ATOMIC;
    }

    /**
     * The backend under this engine, for op authors and backends' tests.
     *
     * @return the backend
     * @throws IllegalStateException when the engine is closed
     */
    public Backend backend() {
        checkOpen();
        return backend;
    }

    /**
     * The device this engine's tensors live on.
     *
     * @return the backend's device
     */
    public Device device() {
        return backend.device();
    }

    /**
     * One line about the backend: its device, and for the CPU its threads and SIMD use, for CUDA
     * its GPU and GEMM.
     *
     * @return the description
     */
    public String description() {
        return backend.description();
    }

    /**
     * How the embedding backward accumulates repeated rows. ATOMIC by default (fast; on a GPU the
     * last bits may differ run to run); DETERMINISTIC gives bit-identical results run to run.
     * The system property {@code wick.deterministic=true} makes DETERMINISTIC the default.
     *
     * @return the current mode
     */
    public ScatterMode scatterMode() {
        return scatterMode;
    }

    /**
     * Sets how the embedding backward accumulates repeated rows from now on; see {@link
     * #scatterMode()}.
     *
     * @param mode ATOMIC or DETERMINISTIC
     * @return this engine
     */
    public Engine setScatterMode(ScatterMode mode) {
        if (mode == null) throw new IllegalArgumentException("scatter mode must not be null");
        this.scatterMode = mode;
        return this;
    }

    /**
     * What the backend's allocator holds.
     *
     * @return the allocator's counters now
     */
    public MemoryStats memoryStats() {
        return backend.memoryStats();
    }

    /**
     * The most memory this engine's tensors can take in all, in bytes; see {@link Backend#memoryCapacity}.
     *
     * @return the capacity in bytes, or Long.MAX_VALUE where it is not known
     */
    public long memoryCapacity() {
        return backend.memoryCapacity();
    }

    // ---- scopes ---------------------------------------------------------------------------------

    /**
     * Opens a memory scope on this thread; see {@link Scope}.
     *
     * @return the scope, to close (try-with-resources)
     */
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

    /**
     * A tensor whose contents are unspecified (fast: no fill).
     *
     * @param dtype the element type
     * @param shape the dimensions
     * @return a new tensor
     */
    public Tensor empty(DType dtype, Shape shape) {
        checkOpen();
        if (dtype == null) throw new IllegalArgumentException("dtype must not be null");
        return new Tensor(this, shape, dtype, backend.allocate(dtype, shape.numel()));
    }

    /**
     * A tensor whose contents are unspecified (fast: no fill).
     *
     * @param dtype the element type
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor empty(DType dtype, int... dims) {
        return empty(dtype, Shape.of(dims));
    }

    /**
     * A tensor of zeros.
     *
     * @param dtype the element type
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor zeros(DType dtype, int... dims) {
        return full(dtype, 0.0, dims);
    }

    /**
     * A tensor of zeros.
     *
     * @param dtype the element type
     * @param shape the dimensions
     * @return a new tensor
     */
    public Tensor zeros(DType dtype, Shape shape) {
        return full(dtype, 0.0, shape);
    }

    /**
     * A tensor with every element set to one value.
     *
     * @param dtype the element type
     * @param value the value, converted to {@code dtype}
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor full(DType dtype, double value, int... dims) {
        return full(dtype, value, Shape.of(dims));
    }

    /**
     * A tensor with every element set to one value.
     *
     * @param dtype the element type
     * @param value the value, converted to {@code dtype}
     * @param shape the dimensions
     * @return a new tensor
     */
    public Tensor full(DType dtype, double value, Shape shape) {
        Tensor t = empty(dtype, shape);
        backend.fill(t.buffer(), value, shape.numel());
        return t;
    }

    /**
     * A scalar (rank 0) tensor.
     *
     * @param dtype the element type
     * @param value the value, converted to {@code dtype}
     * @return a new tensor of shape []
     */
    public Tensor scalar(DType dtype, double value) {
        return full(dtype, value, Shape.scalar());
    }

    /**
     * A FLOAT32 tensor holding the given values, in row-major order.
     *
     * @param data the values; their count is the product of {@code dims}
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor fromFloats(float[] data, int... dims) {
        Shape shape = Shape.of(dims);
        checkLength(data.length, shape);
        Tensor t = empty(DType.FLOAT32, shape);
        backend.upload(data, 0, t.buffer(), data.length);
        return t;
    }

    /**
     * A FLOAT64 tensor holding the given values, in row-major order.
     *
     * @param data the values; their count is the product of {@code dims}
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor fromDoubles(double[] data, int... dims) {
        Shape shape = Shape.of(dims);
        checkLength(data.length, shape);
        Tensor t = empty(DType.FLOAT64, shape);
        backend.upload(data, 0, t.buffer(), data.length);
        return t;
    }

    /**
     * An INT32 tensor holding the given values (indices, targets), in row-major order.
     *
     * @param data the values; their count is the product of {@code dims}
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor fromInts(int[] data, int... dims) {
        Shape shape = Shape.of(dims);
        checkLength(data.length, shape);
        Tensor t = empty(DType.INT32, shape);
        backend.upload(data, 0, t.buffer(), data.length);
        t.noteHostRange(data);
        return t;
    }

    /**
     * Values from the host converted to {@code dtype} (FLOAT32 or FLOAT64).
     *
     * @param dtype FLOAT32 or FLOAT64
     * @param data the values, in row-major order
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor fromDoubles(DType dtype, double[] data, int... dims) {
        if (dtype == DType.FLOAT64) return fromDoubles(data, dims);
        if (dtype != DType.FLOAT32) throw new IllegalArgumentException("expected a floating dtype, got " + dtype);
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return fromFloats(f, dims);
    }

    /**
     * Uniform in [low, high), reproducible from the seed on every backend (see {@link CounterRng}).
     *
     * @param dtype FLOAT32 or FLOAT64
     * @param seed the generator's seed
     * @param low the smallest value possible
     * @param high the bound above, excluded
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor uniform(DType dtype, long seed, double low, double high, int... dims) {
        Tensor t = empty(requireFloating(dtype), Shape.of(dims));
        return t.uniformInPlace(seed, low, high);
    }

    /**
     * Uniform in [low, high) from a {@link Seed}, which may live in device memory: the values
     * {@link #uniform(DType, long, double, double, int...)} gives for the seed's value.
     *
     * @param dtype FLOAT32 or FLOAT64
     * @param seed the generator's seed
     * @param low the lower bound, included
     * @param high the upper bound, excluded
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor uniform(DType dtype, Seed seed, double low, double high, int... dims) {
        Tensor t = empty(requireFloating(dtype), Shape.of(dims));
        return t.uniformInPlace(seed, low, high);
    }

    /**
     * Normal(mean, std), reproducible from the seed on every backend.
     *
     * @param dtype FLOAT32 or FLOAT64
     * @param seed the generator's seed
     * @param mean the distribution's mean
     * @param std the distribution's standard deviation
     * @param dims the dimensions
     * @return a new tensor
     */
    public Tensor normal(DType dtype, long seed, double mean, double std, int... dims) {
        Tensor t = empty(requireFloating(dtype), Shape.of(dims));
        return t.normalInPlace(seed, mean, std);
    }

    /**
     * A copy of {@code t} (from any engine) on this engine, with the same dtype and shape.
     *
     * @param t the tensor copied, open
     * @return a new tensor on this engine
     */
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

    /** Host data of {@code length} elements must fill {@code shape} exactly (also for Tensor's host writes). */
    static void checkLength(int length, Shape shape) {
        if (length != shape.numel()) {
            throw new IllegalArgumentException("data has " + length + " elements but shape " + shape
                    + " needs " + shape.numel());
        }
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("engine is closed");
    }

    /**
     * Whether {@link #captureGraph} works on this engine's device (CUDA: yes; the CPU: no).
     *
     * @return true where device graphs exist
     */
    public boolean capturesGraphs() {
        return backend.capturesGraphs();
    }

    /**
     * Runs {@code work} once to record the device work it queues, without running it, into a graph
     * that {@link DeviceGraph#replay()} then queues as a whole, on the same memory with the same
     * arguments: a fixed-shape training step captured once and replayed each step costs one launch
     * instead of hundreds. Inside {@code work} nothing may wait for the device or move data between
     * host and device (IllegalStateException, the capture discarded): inputs are written into
     * tensors allocated before the capture, ahead of each replay, results read after it, and values
     * that change from replay to replay (a learning rate) are read by the kernels from such tensors.
     * Tensors allocated inside {@code work} keep their memory for the graph until it is closed, so
     * eager work between replays never shares it. Run the work eagerly once first: the memory cache
     * then holds what the capture needs, and any index checks are remembered.
     *
     * @param work queues the device work, on the calling thread
     * @return the graph, to close before the engine
     * @throws UnsupportedOperationException where this engine has no graphs (see {@link #capturesGraphs})
     */
    public DeviceGraph captureGraph(Runnable work) {
        checkOpen();
        return backend.capture(work);
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
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

    /**
     * @return "Engine[" + the description + "]"
     */
    @Override
    public String toString() {
        return "Engine[" + description() + "]";
    }
}
