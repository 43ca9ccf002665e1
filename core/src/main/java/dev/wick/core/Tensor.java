package dev.wick.core;

import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.ScatterMode;

/**
 * A contiguous, row-major array of one dtype on one engine's device. Tensors own backend memory
 * and are {@link AutoCloseable}: close them, or let a {@link Scope} do it. A view ({@link #reshape},
 * {@link #slice}) shares its base's memory, frees nothing when closed and is invalid once its base
 * is closed.
 *
 * <p>Every operation here checks shapes, dtypes, engines and indices before any kernel runs, so a
 * bad call throws (IllegalArgumentException for shapes and arguments, IndexOutOfBoundsException for
 * indices, IllegalStateException for a closed tensor) and writes nothing. Methods that end in
 * {@code InPlace} (and {@link #scatterAdd}) modify this tensor; all others return a new tensor.
 */
public final class Tensor implements AutoCloseable {
    private final Engine engine;
    private final Shape shape;
    private final DType dtype;
    private final Buffer buffer;
    private final Tensor base; // null when this tensor owns its buffer
    private boolean closed;
    Scope owner; // the scope that will close this tensor, if any (set by Scope)

    Tensor(Engine engine, Shape shape, DType dtype, Buffer buffer) {
        this(engine, shape, dtype, buffer, null);
        engine.adopt(this);
    }

    private Tensor(Engine engine, Shape shape, DType dtype, Buffer buffer, Tensor base) {
        this.engine = engine;
        this.shape = shape;
        this.dtype = dtype;
        this.buffer = buffer;
        this.base = base;
    }

    // ---- what it is ---------------------------------------------------------------------------

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public Engine engine() {
        return engine;
    }

    public Device device() {
        return engine.device();
    }

    public int numel() {
        return shape.numel();
    }

    public int rank() {
        return shape.rank();
    }

    public boolean isClosed() {
        return closed || (base != null && base.isClosed()) || engine.isClosed();
    }

    /** The backend buffer, for backends and op authors; checks the tensor is open. */
    public Buffer buffer() {
        checkOpen();
        return buffer;
    }

    private Backend backend() {
        return engine.backend();
    }

    // ---- host transfers -------------------------------------------------------------------------

    public float[] toFloatArray() {
        checkOpen();
        if (dtype == DType.FLOAT32) {
            float[] out = new float[numel()];
            backend().download(buffer, out, 0, out.length);
            return out;
        }
        double[] d = toDoubleArray();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        return out;
    }

    /** The values as doubles (FLOAT32 and INT32 are converted). */
    public double[] toDoubleArray() {
        checkOpen();
        double[] out = new double[numel()];
        switch (dtype) {
            case FLOAT64 -> backend().download(buffer, out, 0, out.length);
            case FLOAT32 -> {
                float[] f = new float[numel()];
                backend().download(buffer, f, 0, f.length);
                for (int i = 0; i < f.length; i++) out[i] = f[i];
            }
            case INT32 -> {
                int[] v = toIntArray();
                for (int i = 0; i < v.length; i++) out[i] = v[i];
            }
        }
        return out;
    }

    public int[] toIntArray() {
        checkOpen();
        requireDType(this, DType.INT32, "toIntArray");
        int[] out = new int[numel()];
        backend().download(buffer, out, 0, out.length);
        return out;
    }

    /** The single value of a one-element tensor, as a double (waits for the device). */
    public double item() {
        checkOpen();
        if (numel() != 1) {
            throw new IllegalArgumentException("item() needs a one-element tensor, got shape " + shape);
        }
        return toDoubleArray()[0];
    }

    /** A copy with another dtype (FLOAT32 <-> FLOAT64; goes through the host). */
    public Tensor to(DType target) {
        checkOpen();
        if (target == dtype) return copy();
        if (!dtype.isFloating() || !target.isFloating()) {
            throw new IllegalArgumentException("cannot convert " + dtype + " to " + target);
        }
        return engine.fromDoubles(target, toDoubleArray(), shape.dims());
    }

    // ---- views and copies ---------------------------------------------------------------------

    /** A view with the same elements in another shape (same element count). */
    public Tensor reshape(int... dims) {
        checkOpen();
        Shape s = Shape.of(dims);
        if (s.numel() != numel()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + s + ": element counts differ");
        }
        return new Tensor(engine, s, dtype, buffer, owner());
    }

    /** A view of rows [start, end) along the first dimension. */
    public Tensor slice(int start, int end) {
        checkOpen();
        if (shape.rank() == 0) throw new IllegalArgumentException("cannot slice a scalar");
        int n = shape.dim(0);
        if (start < 0 || end > n || start > end) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") out of range for first dimension "
                    + n + " of shape " + shape);
        }
        int row = n == 0 ? 0 : numel() / n;
        return new Tensor(engine, shape.withFirst(end - start), dtype, buffer.slice(start * row, (end - start) * row),
                owner());
    }

    /** A new tensor with the same contents. */
    public Tensor copy() {
        checkOpen();
        Tensor t = engine.empty(dtype, shape);
        backend().copy(buffer, t.buffer, numel());
        return t;
    }

    /** this = src (same shape and dtype). */
    public Tensor copyFromInPlace(Tensor src) {
        checkSameShape("copy", this, src);
        backend().copy(src.buffer, buffer, numel());
        return this;
    }

    public Tensor fillInPlace(double value) {
        checkOpen();
        backend().fill(buffer, value, numel());
        return this;
    }

    public Tensor zeroInPlace() {
        return fillInPlace(0.0);
    }

    private Tensor owner() {
        return base == null ? this : base;
    }

    // ---- embedding ------------------------------------------------------------------------------

    /**
     * Rows of this table (shape [V, D]) picked by {@code indices} (INT32, any shape): the result has
     * shape indices.shape + [D]. An index outside [0, V) is an IndexOutOfBoundsException.
     */
    public Tensor gather(Tensor indices) {
        checkTable(this, "gather");
        requireSameEngine(this, indices);
        checkIndices(indices, shape.dim(0), 0);
        int d = shape.dim(1);
        Tensor out = engine.empty(dtype, indices.shape.append(d));
        backend().gather(buffer, indices.buffer, out.buffer, indices.numel(), d);
        return out;
    }

    /** table[indices[i]] += src[i] in place, with the engine's scatter mode and no padding row. */
    public Tensor scatterAdd(Tensor indices, Tensor src) {
        return scatterAdd(indices, src, -1, engine.scatterMode());
    }

    /**
     * The embedding backward, in place on this table (shape [V, D]): for every i,
     * this[indices[i]] += src[i], where src has shape indices.shape + [D]. Repeated indices
     * accumulate. Rows whose index equals {@code paddingIndex} (or -1 for none) are skipped.
     */
    public Tensor scatterAdd(Tensor indices, Tensor src, int paddingIndex, ScatterMode mode) {
        checkTable(this, "scatterAdd");
        int v = shape.dim(0), d = shape.dim(1);
        src.checkOpen();
        requireSameEngine(this, src);
        requireSameDType(this, src, "scatterAdd");
        Shape expected = indices.shape().append(d);
        if (!src.shape.equals(expected)) {
            throw new IllegalArgumentException("scatterAdd: source shape " + src.shape + " does not match indices shape "
                    + indices.shape() + " + row length " + d + " of table " + shape);
        }
        if (paddingIndex < -1 || paddingIndex >= v) {
            throw new IllegalArgumentException("padding index " + paddingIndex + " out of range for a table of " + v + " rows");
        }
        requireSameEngine(this, indices);
        checkIndices(indices, v, 0);
        backend().scatterAdd(buffer, indices.buffer, src.buffer, indices.numel(), d, paddingIndex,
                mode == null ? engine.scatterMode() : mode);
        return this;
    }

    /**
     * Checks every value of {@code indices} lies in [0, bound) or equals {@code exempt}, without
     * running any other kernel; throws IndexOutOfBoundsException naming the index, its position
     * and the bound.
     */
    public static void checkIndices(Tensor indices, int bound, int exempt) {
        indices.checkOpen();
        requireDType(indices, DType.INT32, "indices");
        int pos = indices.backend().firstIndexOutOfRange(indices.buffer, indices.numel(), bound, exempt);
        if (pos >= 0) {
            int[] one = new int[1];
            indices.backend().download(indices.buffer.slice(pos, 1), one, 0, 1);
            throw new IndexOutOfBoundsException("index " + one[0] + " at position " + pos
                    + " is out of range [0, " + bound + ") (vocabulary size " + bound + ")");
        }
    }

    // ---- linear algebra ------------------------------------------------------------------------

    /** The matrix product of two rank-2 tensors: [m, k] x [k, n] -> [m, n]. */
    public Tensor matmul(Tensor other) {
        checkMatrix(this, "matmul");
        checkMatrix(other, "matmul");
        requireSameEngine(this, other);
        requireSameDType(this, other, "matmul");
        if (shape.dim(1) != other.shape.dim(0)) {
            throw new IllegalArgumentException("matmul: shapes " + shape + " and " + other.shape + " do not line up");
        }
        Tensor c = engine.empty(dtype, shape.dim(0), other.shape.dim(1));
        backend().gemm(false, false, shape.dim(0), other.shape.dim(1), shape.dim(1), 1.0, buffer, other.buffer, 0.0, c.buffer);
        return c;
    }

    /**
     * In place: c = alpha * op(a) * op(b) + beta * c, with op the transpose where asked. All rank 2;
     * op(a) is [m, k], op(b) is [k, n], c is [m, n]. c must not share memory with a or b.
     */
    public static Tensor gemm(boolean transA, boolean transB, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        checkMatrix(a, "gemm");
        checkMatrix(b, "gemm");
        checkMatrix(c, "gemm");
        requireSameEngine(a, b);
        requireSameEngine(a, c);
        requireSameDType(a, b, "gemm");
        requireSameDType(a, c, "gemm");
        int m = transA ? a.shape.dim(1) : a.shape.dim(0);
        int k = transA ? a.shape.dim(0) : a.shape.dim(1);
        int kb = transB ? b.shape.dim(1) : b.shape.dim(0);
        int n = transB ? b.shape.dim(0) : b.shape.dim(1);
        if (k != kb || c.shape.dim(0) != m || c.shape.dim(1) != n) {
            throw new IllegalArgumentException("gemm: " + (transA ? "transposed " : "") + "a " + a.shape + " times "
                    + (transB ? "transposed " : "") + "b " + b.shape + " does not give c " + c.shape);
        }
        a.backend().gemm(transA, transB, m, n, k, alpha, a.buffer, b.buffer, beta, c.buffer);
        return c;
    }

    // ---- activations --------------------------------------------------------------------------

    public Tensor tanh() {
        requireFloating(this, "tanh");
        Tensor y = engine.empty(dtype, shape);
        backend().tanh(buffer, y.buffer, numel());
        return y;
    }

    /** With this being tanh's output y: returns dy * (1 - y^2). */
    public Tensor tanhBackward(Tensor dy) {
        requireFloating(this, "tanhBackward");
        checkSameShape("tanhBackward", this, dy);
        Tensor dx = engine.empty(dtype, shape);
        backend().tanhBackward(buffer, dy.buffer, dx.buffer, numel(), false);
        return dx;
    }

    // ---- loss -----------------------------------------------------------------------------------

    /** The loss (a FLOAT scalar tensor) and the gradient of that loss with respect to the logits. */
    public record LossAndGradient(Tensor loss, Tensor dLogits) implements AutoCloseable {
        @Override
        public void close() {
            loss.close();
            dLogits.close();
        }
    }

    /**
     * Fused softmax cross-entropy: this is [N, C] logits, targets INT32 of shape [N] with values in
     * [0, C) or equal to {@code ignoreIndex}. The loss is the mean of logsumexp(x_r) - x_r[t_r] over
     * the rows not ignored (NaN when all are ignored); dLogits is its gradient.
     */
    public LossAndGradient softmaxCrossEntropy(Tensor targets, int ignoreIndex) {
        checkMatrix(this, "softmaxCrossEntropy");
        requireFloating(this, "softmaxCrossEntropy");
        targets.checkOpen();
        requireSameEngine(this, targets);
        requireDType(targets, DType.INT32, "softmaxCrossEntropy targets");
        int rows = shape.dim(0), cols = shape.dim(1);
        if (targets.rank() != 1 || targets.shape.dim(0) != rows) {
            throw new IllegalArgumentException("softmaxCrossEntropy: targets shape " + targets.shape
                    + " does not match logits shape " + shape + " (expected [" + rows + "])");
        }
        checkIndices(targets, cols, ignoreIndex);
        Tensor loss = engine.empty(dtype, Shape.scalar());
        Tensor grad = engine.empty(dtype, shape);
        backend().softmaxCrossEntropy(buffer, targets.buffer, rows, cols, ignoreIndex, loss.buffer, grad.buffer);
        return new LossAndGradient(loss, grad);
    }

    // ---- bias -----------------------------------------------------------------------------------

    /** this [.., C] + bias [C], broadcast over the rows. */
    public Tensor addRowVector(Tensor bias) {
        requireFloating(this, "addRowVector");
        bias.checkOpen();
        requireSameEngine(this, bias);
        requireSameDType(this, bias, "addRowVector");
        if (rank() < 1 || bias.rank() != 1 || bias.shape.dim(0) != shape.lastDim()) {
            throw new IllegalArgumentException("addRowVector: bias shape " + bias.shape
                    + " does not match the last dimension of " + shape);
        }
        Tensor out = engine.empty(dtype, shape);
        backend().addRowVector(buffer, bias.buffer, out.buffer, shape.rows(), shape.lastDim());
        return out;
    }

    /** The sum over all rows: this [.., C] -> [C] (the bias gradient). */
    public Tensor sumRows() {
        requireFloating(this, "sumRows");
        if (rank() < 1) throw new IllegalArgumentException("sumRows needs rank >= 1, got shape " + shape);
        Tensor out = engine.empty(dtype, shape.lastDim());
        backend().sumRows(buffer, out.buffer, shape.rows(), shape.lastDim(), false);
        return out;
    }

    // ---- elementwise ----------------------------------------------------------------------------

    public Tensor add(Tensor other) {
        checkSameShape("add", this, other);
        requireFloating(this, "add");
        Tensor out = engine.empty(dtype, shape);
        backend().add(buffer, other.buffer, out.buffer, numel());
        return out;
    }

    public Tensor mul(Tensor other) {
        checkSameShape("mul", this, other);
        requireFloating(this, "mul");
        Tensor out = engine.empty(dtype, shape);
        backend().mul(buffer, other.buffer, out.buffer, numel());
        return out;
    }

    public Tensor scale(double alpha) {
        requireFloating(this, "scale");
        Tensor out = engine.empty(dtype, shape);
        backend().scale(buffer, alpha, out.buffer, numel());
        return out;
    }

    public Tensor addInPlace(Tensor other) {
        checkSameShape("addInPlace", this, other);
        requireFloating(this, "addInPlace");
        backend().add(buffer, other.buffer, buffer, numel());
        return this;
    }

    public Tensor scaleInPlace(double alpha) {
        requireFloating(this, "scaleInPlace");
        backend().scale(buffer, alpha, buffer, numel());
        return this;
    }

    /** this += alpha * x (axpy), in place. */
    public Tensor addScaledInPlace(double alpha, Tensor x) {
        checkSameShape("addScaledInPlace", this, x);
        requireFloating(this, "addScaledInPlace");
        backend().axpy(alpha, x.buffer, buffer, numel());
        return this;
    }

    // ---- reductions ------------------------------------------------------------------------------

    /** The sum of all elements, as a scalar tensor on this device. */
    public Tensor sum() {
        requireFloating(this, "sum");
        Tensor out = engine.empty(dtype, Shape.scalar());
        backend().sum(buffer, out.buffer, numel());
        return out;
    }

    /** The sum of squares of all elements, as a scalar tensor on this device. */
    public Tensor squaredNorm() {
        requireFloating(this, "squaredNorm");
        Tensor out = engine.empty(dtype, Shape.scalar());
        backend().squaredNorm(buffer, out.buffer, numel());
        return out;
    }

    // ---- optimizer updates, in place on this parameter --------------------------------------------

    /** SGD step on this parameter; velocity may be null (no momentum). See Backend#sgdUpdate. */
    public Tensor sgdUpdateInPlace(Tensor grad, Tensor velocity, double lr, double momentum, double weightDecay) {
        checkSameShape("sgdUpdate", this, grad);
        requireFloating(this, "sgdUpdate");
        if (velocity != null) checkSameShape("sgdUpdate", this, velocity);
        backend().sgdUpdate(buffer, grad.buffer, velocity == null ? null : velocity.buffer, numel(), lr, momentum, weightDecay);
        return this;
    }

    /** Adam step on this parameter with moments m and v; step counts from 1. See Backend#adamUpdate. */
    public Tensor adamUpdateInPlace(Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
                                    double eps, double weightDecay, int step) {
        checkSameShape("adamUpdate", this, grad);
        checkSameShape("adamUpdate", this, m);
        checkSameShape("adamUpdate", this, v);
        requireFloating(this, "adamUpdate");
        if (step < 1) throw new IllegalArgumentException("adam step counts from 1, got " + step);
        backend().adamUpdate(buffer, grad.buffer, m.buffer, v.buffer, numel(), lr, beta1, beta2, eps, weightDecay, step);
        return this;
    }

    // ---- checks -----------------------------------------------------------------------------------

    void checkOpen() {
        if (isClosed()) {
            throw new IllegalStateException("tensor " + shape + " " + dtype + " is closed"
                    + (base != null ? " (its base was closed)" : ""));
        }
    }

    private static void checkTable(Tensor t, String op) {
        checkMatrix(t, op);
        requireFloating(t, op);
    }

    private static void checkMatrix(Tensor t, String op) {
        t.checkOpen();
        if (t.rank() != 2) {
            throw new IllegalArgumentException(op + ": expected a rank-2 tensor, got shape " + t.shape);
        }
    }

    private static void checkSameShape(String op, Tensor a, Tensor b) {
        a.checkOpen();
        b.checkOpen();
        requireSameEngine(a, b);
        if (!a.shape.equals(b.shape)) {
            throw new IllegalArgumentException(op + ": shapes " + a.shape + " and " + b.shape + " differ");
        }
        requireSameDType(a, b, op);
    }

    private static void requireSameEngine(Tensor a, Tensor b) {
        if (a.engine != b.engine) {
            throw new IllegalArgumentException("tensors live on different engines (" + a.engine.description()
                    + " and " + b.engine.description() + "); copy one with Engine.copyOf");
        }
    }

    private static void requireSameDType(Tensor a, Tensor b, String op) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException(op + ": dtypes " + a.dtype + " and " + b.dtype + " differ");
        }
    }

    private static void requireDType(Tensor t, DType expected, String op) {
        if (t.dtype != expected) {
            throw new IllegalArgumentException(op + ": expected " + expected + ", got " + t.dtype + " " + t.shape);
        }
    }

    private static void requireFloating(Tensor t, String op) {
        t.checkOpen();
        if (!t.dtype.isFloating()) {
            throw new IllegalArgumentException(op + ": expected a floating tensor, got " + t.dtype + " " + t.shape);
        }
    }

    /** Gives the memory back (to the backend's cache). Idempotent; a view frees nothing. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (owner != null) {
            owner.forget(this);
            owner = null;
        }
        if (base == null && !engine.isClosed()) {
            engine.backend().release(buffer);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + " " + dtype + " on " + engine.device() + (isClosed() ? " (closed)" : "");
    }
}
