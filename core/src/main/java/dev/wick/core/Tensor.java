package dev.wick.core;

import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 *
 * <p>A tensor is not thread-safe: use it (and its views) from one thread at a time, and hand it to
 * another thread with a happens-before edge (a queue, a lock, a join). Different tensors of one
 * engine may be used by different threads at once within the limits {@link Engine} states.
 */
public final class Tensor implements AutoCloseable {
    private final Engine engine;
    private final Shape shape;
    private final DType dtype;
    private final Buffer buffer;
    private final Tensor base; // null when this tensor owns its buffer
    private final int offset; // where this tensor's elements start in its base's (0 for an owner)
    private boolean closed;
    /**
     * Counts writes into this tensor's memory through it or any view of it (kept on the base), so
     * that an index check can be remembered until the values change.
     */
    private long writes;
    /** The last index check this tensor passed: its bound and exempt value, and writes at the time. */
    private long verifiedRange = -1;
    private long verifiedAtWrite = -1;
    /**
     * The least and greatest value of an INT32 tensor last written whole from the host, and writes
     * at the time (-1: none): an index check within that range needs no pass over the device.
     */
    private int hostMin;
    private int hostMax;
    private long hostRangeAtWrite = -1;
    Scope owner; // the scope that will close this tensor, if any (set by Scope)

    Tensor(Engine engine, Shape shape, DType dtype, Buffer buffer) {
        this(engine, shape, dtype, buffer, null, 0);
        engine.adopt(this);
    }

    private Tensor(Engine engine, Shape shape, DType dtype, Buffer buffer, Tensor base, int offset) {
        this.engine = engine;
        this.shape = shape;
        this.dtype = dtype;
        this.buffer = buffer;
        this.base = base;
        this.offset = offset;
    }

    // ---- what it is ---------------------------------------------------------------------------

    /**
     * The dimensions of this tensor.
     *
     * @return its shape
     */
    public Shape shape() {
        return shape;
    }

    /**
     * The element type.
     *
     * @return its dtype
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * The engine whose backend owns this tensor's memory.
     *
     * @return its engine
     */
    public Engine engine() {
        return engine;
    }

    /**
     * The device this tensor's memory is on.
     *
     * @return its engine's device
     */
    public Device device() {
        return engine.device();
    }

    /**
     * The number of elements.
     *
     * @return the product of the dimensions (1 for a scalar)
     */
    public int numel() {
        return shape.numel();
    }

    /**
     * The number of dimensions.
     *
     * @return the rank (0 for a scalar)
     */
    public int rank() {
        return shape.rank();
    }

    /**
     * Whether this tensor can no longer be used: it was closed, it is a view of a closed tensor, or
     * its engine was closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed || (base != null && base.isClosed()) || engine.isClosed();
    }

    /**
     * The backend buffer, for backends and op authors; checks the tensor is open. Handing it out
     * counts as a write (the caller may change the values), so index checks are redone after it.
     *
     * @return the buffer holding this tensor's elements (a view's starts at its base's
     *         offset)
     */
    public Buffer buffer() {
        checkOpen();
        written();
        return buffer;
    }

    private Backend backend() {
        return engine.backend();
    }

    // ---- host transfers -------------------------------------------------------------------------

    /**
     * The values as floats, in row-major order (FLOAT64 is rounded, INT32 converted); waits for the
     * device.
     *
     * @return a new array of {@link #numel()} elements
     */
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

    /**
     * The values as doubles (FLOAT32 and INT32 are converted).
     *
     * @return a new array of {@link #numel()} elements, in row-major order
     */
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

    /**
     * The values of an INT32 tensor, in row-major order; waits for the device.
     *
     * @return a new array of {@link #numel()} elements
     */
    public int[] toIntArray() {
        checkOpen();
        requireDType(this, DType.INT32, "toIntArray");
        int[] out = new int[numel()];
        backend().download(buffer, out, 0, out.length);
        return out;
    }

    /**
     * The single value of a one-element tensor, as a double (waits for the device).
     *
     * @return the value
     */
    public double item() {
        checkOpen();
        if (numel() != 1) {
            throw new IllegalArgumentException("item() needs a one-element tensor, got shape " + shape);
        }
        return toDoubleArray()[0];
    }

    /**
     * A copy with another dtype (FLOAT32 to FLOAT64 exactly, or back rounded to nearest), converted
     * on this tensor's device.
     *
     * @param target the dtype of the copy
     * @return a new tensor with this shape, of dtype {@code target}
     */
    public Tensor to(DType target) {
        checkOpen();
        if (target == dtype) return copy();
        if (!dtype.isFloating() || !target.isFloating()) {
            throw new IllegalArgumentException("cannot convert " + dtype + " to " + target);
        }
        Tensor out = engine.empty(target, shape);
        backend().convert(buffer, out.buffer, numel());
        return out;
    }

    // ---- views and copies ---------------------------------------------------------------------

    /**
     * A view with the same elements in another shape (same element count).
     *
     * @param dims the new dimensions; their product is {@link #numel()}
     * @return a view sharing this tensor's memory
     */
    public Tensor reshape(int... dims) {
        checkOpen();
        Shape s = Shape.of(dims);
        if (s.numel() != numel()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + s + ": element counts differ");
        }
        return new Tensor(engine, s, dtype, buffer, owner(), offset);
    }

    /**
     * A view of rows [start, end) along the first dimension.
     *
     * @param start the first row, included
     * @param end the last row, excluded
     * @return a view sharing this tensor's memory, of shape [end - start, ...]
     */
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
                owner(), offset + start * row);
    }

    /**
     * A new tensor with the same contents.
     *
     * @return the copy, on this engine
     */
    public Tensor copy() {
        checkOpen();
        Tensor t = engine.empty(dtype, shape);
        backend().copy(buffer, t.buffer, numel());
        return t;
    }

    /**
     * this = src, src broadcast to this shape where the shapes differ (numpy rules, as
     * {@link #broadcastTo}), without the intermediate copy: a bias written into every row, say.
     *
     * @param src the tensor whose values are copied: this shape, or one that broadcasts to it, and
     *     this dtype
     * @return this tensor
     * @throws IllegalArgumentException if src does not broadcast to this shape, the dtypes or engines
     *     differ, or src shares memory with this tensor while the shapes differ
     */
    public Tensor copyFromInPlace(Tensor src) {
        checkOpen();
        src.checkOpen();
        requireSameEngine(this, src);
        requireSameDType(this, src, "copy");
        if (src.shape.equals(shape)) {
            written();
            backend().copy(src.buffer, buffer, numel());
            return this;
        }
        if (!Strides.broadcastShape(src.shape, shape).equals(shape)) {
            throw new IllegalArgumentException("copy: cannot broadcast " + src.shape + " to " + shape);
        }
        if (overlaps(src)) throw new IllegalArgumentException("copy: a broadcast source must not share memory with the destination");
        written();
        if (numel() > 0) backend().copyStrided(src.buffer, buffer, Strides.broadcastTo(src.shape, shape));
        return this;
    }

    /**
     * Sets every element to one value, in place.
     *
     * @param value the value, converted to this dtype
     * @return this tensor
     */
    public Tensor fillInPlace(double value) {
        checkOpen();
        written();
        backend().fill(buffer, value, numel());
        return this;
    }

    /**
     * Sets every element to zero, in place.
     *
     * @return this tensor
     */
    public Tensor zeroInPlace() {
        return fillInPlace(0.0);
    }

    /**
     * In place: uniform in [low, high), the values {@link Engine#uniform} gives for this seed and
     * element count (so on every backend). Floating tensors only.
     *
     * @param seed the generator's seed
     * @param low the lower bound, included
     * @param high the upper bound, excluded
     * @return this tensor
     * @throws IllegalArgumentException if the tensor is not floating
     */
    public Tensor uniformInPlace(long seed, double low, double high) {
        requireFloating(this, "uniformInPlace");
        written();
        backend().uniform(buffer, numel(), seed, low, high);
        return this;
    }

    /**
     * In place: uniform in [low, high) from a {@link Seed}; one in device memory is read by the
     * kernel (nothing waits for the device), so a captured step draws new numbers at each replay.
     *
     * @param seed the generator's seed
     * @param low the lower bound, included
     * @param high the upper bound, excluded
     * @return this tensor
     * @throws IllegalArgumentException if the tensor is not floating, or the seed's cell lives on
     *     another engine
     */
    public Tensor uniformInPlace(Seed seed, double low, double high) {
        if (!seed.inDevice()) return uniformInPlace(seed.value(), low, high);
        requireFloating(this, "uniformInPlace");
        Tensor cell = seed.cell();
        cell.checkOpen();
        requireSameEngine(this, cell);
        written();
        backend().uniform(buffer, numel(), cell.buffer, seed.counters(), low, high);
        return this;
    }

    /**
     * In place: Normal(mean, std), the values {@link Engine#normal} gives for this seed and element count.
     *
     * @param seed the generator's seed
     * @param mean the distribution's mean
     * @param std the distribution's standard deviation
     * @return this tensor
     * @throws IllegalArgumentException if the tensor is not floating
     */
    public Tensor normalInPlace(long seed, double mean, double std) {
        requireFloating(this, "normalInPlace");
        written();
        backend().normal(buffer, numel(), seed, mean, std);
        return this;
    }

    /**
     * this = values, copied from the host (INT32 tensors; the count must be numel()). The values'
     * range is noted on the way, so index checks against it cost no pass over the device (and on a
     * GPU no wait for it): write a step's token ids here before the step, and a captured step that
     * looks them up checks nothing on the device.
     *
     * @param values the new values, in row-major order
     * @return this tensor
     */
    public Tensor copyFromInPlace(int[] values) {
        checkOpen();
        requireDType(this, DType.INT32, "copyFromInPlace(int[])");
        Engine.checkLength(values.length, shape);
        written();
        backend().upload(values, 0, buffer, values.length);
        noteHostRange(values);
        return this;
    }

    /**
     * this = values, copied from the host (FLOAT64 tensors; the count must be numel()): a step's
     * scalars, written before the step or a graph's replay.
     *
     * @param values the new values, in row-major order
     * @return this tensor
     */
    public Tensor copyFromInPlace(double[] values) {
        checkOpen();
        requireDType(this, DType.FLOAT64, "copyFromInPlace(double[])");
        Engine.checkLength(values.length, shape);
        written();
        backend().upload(values, 0, buffer, values.length);
        return this;
    }

    /** Remembers the range of values just written whole from the host (only a write of the whole memory counts). */
    void noteHostRange(int[] values) {
        Tensor o = owner();
        if (numel() != o.numel()) return;
        int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
        for (int v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        o.hostMin = min;
        o.hostMax = max;
        o.hostRangeAtWrite = o.writes;
    }

    /** Notes a write into this tensor's memory (for remembered index checks). */
    private void written() {
        owner().writes++;
    }

    private Tensor owner() {
        return base == null ? this : base;
    }

    /** Whether the two tensors' elements share memory (views of one base whose ranges intersect). */
    private boolean overlaps(Tensor other) {
        if (owner() != other.owner()) return false;
        return numel() > 0 && other.numel() > 0 && offset < other.offset + other.numel() && other.offset < offset + numel();
    }

    // ---- embedding ------------------------------------------------------------------------------

    /**
     * Rows of this table (shape [V, D]) picked by {@code indices} (INT32, any shape): the result has
     * shape indices.shape + [D]. An index outside [0, V) is an IndexOutOfBoundsException.
     *
     * @param indices the rows to pick, INT32
     * @return a new tensor of shape indices.shape + [D]
     */
    public Tensor gather(Tensor indices) {
        checkTable(this, "gather");
        requireSameEngine(this, indices);
        checkIndices(indices, shape.dim(0));
        int d = shape.dim(1);
        Tensor out = engine.empty(dtype, indices.shape.append(d));
        backend().gather(buffer, indices.buffer, out.buffer, indices.numel(), d);
        return out;
    }

    /**
     * table[indices[i]] += src[i] in place, with the engine's scatter mode and no padding row.
     *
     * @param indices the rows to add into, INT32
     * @param src the rows to add, of shape indices.shape + [D]
     * @return this tensor
     */
    public Tensor scatterAdd(Tensor indices, Tensor src) {
        return scatterAdd(indices, src, -1, engine.scatterMode());
    }

    /**
     * The embedding backward, in place on this table (shape [V, D]): for every i,
     * this[indices[i]] += src[i], where src has shape indices.shape + [D]. Repeated indices
     * accumulate. Rows whose index equals {@code paddingIndex} (or -1 for none) are skipped.
     *
     * @param indices the rows to add into, INT32, any shape
     * @param src the rows to add, of shape indices.shape + [D]
     * @param paddingIndex the row that receives nothing, or -1 for none
     * @param mode how repeated rows are accumulated
     * @return this tensor
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
        checkIndices(indices, v);
        backend().scatterAdd(buffer, indices.buffer, src.buffer, indices.numel(), d, paddingIndex,
                mode == null ? engine.scatterMode() : mode);
        return this;
    }

    /**
     * Checks every value of {@code indices} lies in [0, bound), with no exemption (so against a
     * table of no rows every index fails); throws IndexOutOfBoundsException naming the index, its
     * position and the bound.
     *
     * @param indices INT32 indices, any shape
     * @param bound the exclusive upper bound
     * @throws IndexOutOfBoundsException if an index lies outside [0, bound)
     */
    public static void checkIndices(Tensor indices, int bound) {
        if (bound <= 0 && indices.numel() > 0) {
            // No value is in range, so any index fails, the first one first; no exempt value
            // could stand for "none" in the backend's scan here.
            indices.checkOpen();
            requireDType(indices, DType.INT32, "indices");
            throw outOfRange(indices, 0, bound);
        }
        // 0 lies in [0, bound) here (or there is nothing to check), so exempting it exempts nothing.
        checkIndices(indices, bound, 0);
    }

    /**
     * Checks every value of {@code indices} lies in [0, bound) or equals {@code exempt}, without
     * running any other kernel; throws IndexOutOfBoundsException naming the index, its position
     * and the bound.
     *
     * @param indices INT32 indices, any shape
     * @param bound the exclusive upper bound
     * @param exempt a value allowed outside the range (an ignore index); an in-range value when
     *     none is
     */
    public static void checkIndices(Tensor indices, int bound, int exempt) {
        indices.checkOpen();
        requireDType(indices, DType.INT32, "indices");

        // The embedding's backward checks the indices its forward checked: remembered, that costs
        // no second pass (and on a GPU no second wait for the device) while nothing wrote to them.
        long range = ((long) bound << 32) | (exempt & 0xffffffffL);
        Tensor o = indices.owner();
        long writes = o.writes;
        if (indices.verifiedRange == range && indices.verifiedAtWrite == writes) return;
        // Values written from the host: their range is known without asking the device.
        if (o.hostRangeAtWrite == writes && (indices.numel() == 0 || o.hostMin >= 0 && o.hostMax < bound)) return;
        int pos = indices.backend().firstIndexOutOfRange(indices.buffer, indices.numel(), bound, exempt);
        if (pos < 0) {
            indices.verifiedRange = range;
            indices.verifiedAtWrite = writes;
        } else {
            throw outOfRange(indices, pos, bound);
        }
    }

    private static IndexOutOfBoundsException outOfRange(Tensor indices, int pos, int bound) {
        int[] one = new int[1];
        indices.backend().download(indices.buffer.slice(pos, 1), one, 0, 1);
        return new IndexOutOfBoundsException("index " + one[0] + " at position " + pos
                + " is out of range [0, " + bound + ") (vocabulary size " + bound + ")");
    }

    // ---- linear algebra ------------------------------------------------------------------------

    /**
     * The matrix product of two rank-2 tensors: [m, k] x [k, n] -> [m, n].
     *
     * @param other the right operand [k, n], of this dtype
     * @return a new tensor [m, n]
     */
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
     *
     * @param transA whether op(a) is a's transpose
     * @param transB whether op(b) is b's transpose
     * @param alpha the product's factor
     * @param a the left operand
     * @param b the right operand
     * @param beta c's factor (0: c's previous values, NaN included, are ignored)
     * @param c the result, overwritten
     * @return c
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

    // ---- the op table: unary ----------------------------------------------------------------------

    /**
     * op applied to every element (a floating tensor; the result has this shape and dtype).
     *
     * @param op the table's entry
     * @return a new tensor
     */
    public Tensor apply(UnaryOp op) {
        requireFloating(this, op.opName());
        Tensor y = engine.empty(dtype, shape);
        backend().unary(op, buffer, y.buffer, numel());
        return y;
    }

    /**
     * this = op(this), in place (a floating tensor).
     *
     * @param op the table's entry
     * @return this tensor
     */
    public Tensor applyInPlace(UnaryOp op) {
        requireFloating(this, op.opName());
        backend().unary(op, buffer, buffer, numel());
        return this;
    }

    /**
     * e^x elementwise.
     *
     * @return a new tensor
     */
    public Tensor exp() {
        return apply(UnaryOp.EXP);
    }

    /**
     * The natural logarithm elementwise.
     *
     * @return a new tensor
     */
    public Tensor log() {
        return apply(UnaryOp.LOG);
    }

    /**
     * 1 / (1 + e^-x) elementwise.
     *
     * @return a new tensor
     */
    public Tensor sigmoid() {
        return apply(UnaryOp.SIGMOID);
    }

    /**
     * max(x, 0) elementwise.
     *
     * @return a new tensor
     */
    public Tensor relu() {
        return apply(UnaryOp.RELU);
    }

    /**
     * -x elementwise.
     *
     * @return a new tensor
     */
    public Tensor neg() {
        return apply(UnaryOp.NEG);
    }

    /**
     * The square root elementwise.
     *
     * @return a new tensor
     */
    public Tensor sqrt() {
        return apply(UnaryOp.SQRT);
    }

    /**
     * |x| elementwise.
     *
     * @return a new tensor
     */
    public Tensor abs() {
        return apply(UnaryOp.ABS);
    }

    /**
     * -1, 0 or 1 by the sign of each element (no gradient).
     *
     * @return a new tensor
     */
    public Tensor sign() {
        return apply(UnaryOp.SIGN);
    }

    /**
     * The hyperbolic tangent elementwise.
     *
     * @return a new tensor
     */
    public Tensor tanh() {
        return apply(UnaryOp.TANH);
    }

    /**
     * log(1 + e^x) elementwise, without overflow for large x.
     *
     * @return a new tensor
     */
    public Tensor softplus() {
        return apply(UnaryOp.SOFTPLUS);
    }

    // ---- the op table: binary, with numpy broadcasting ------------------------------------------------

    /**
     * op(this, other) elementwise, the two shapes broadcast numpy's way (aligned at the last
     * dimension; a dimension of 1, or a missing one, stretches). Same dtype (floating) and engine.
     *
     * @param op the table's entry
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor apply(BinaryOp op, Tensor other) {
        checkPair(op.opName(), this, other);
        Strides layout = Strides.broadcast(shape, other.shape);
        Tensor out = engine.empty(dtype, Strides.broadcastShape(shape, other.shape));
        backend().binary(op, buffer, other.buffer, out.buffer, layout);
        return out;
    }

    /**
     * op(this, scalar) elementwise.
     *
     * @param op the table's entry
     * @param scalar the second operand, converted to this dtype
     * @return a new tensor of this shape
     */
    public Tensor apply(BinaryOp op, double scalar) {
        requireFloating(this, op.opName());
        Tensor out = engine.empty(dtype, shape);
        backend().binaryScalar(op, buffer, scalar, false, out.buffer, numel());
        return out;
    }

    /**
     * op(scalar, this) elementwise (for instance 1 - x as {@code x.applyScalarFirst(SUB, 1)}).
     *
     * @param op the table's entry
     * @param scalar the first operand, converted to this dtype
     * @return a new tensor of this shape
     */
    public Tensor applyScalarFirst(BinaryOp op, double scalar) {
        requireFloating(this, op.opName());
        Tensor out = engine.empty(dtype, shape);
        backend().binaryScalar(op, buffer, scalar, true, out.buffer, numel());
        return out;
    }

    /**
     * this op= other in place; other must broadcast to this tensor's shape.
     *
     * @param op the table's entry
     * @param other the second operand
     * @return this tensor
     */
    public Tensor applyInPlace(BinaryOp op, Tensor other) {
        checkPair(op.opName(), this, other);
        if (!Strides.broadcastShape(shape, other.shape).equals(shape)) {
            throw new IllegalArgumentException(op.opName() + " in place: " + other.shape + " does not broadcast to " + shape);
        }
        backend().binary(op, buffer, other.buffer, buffer, Strides.broadcast(shape, other.shape));
        return this;
    }

    /**
     * this + other, with numpy broadcasting.
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor add(Tensor other) {
        return apply(BinaryOp.ADD, other);
    }

    /**
     * this - other, with numpy broadcasting.
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor sub(Tensor other) {
        return apply(BinaryOp.SUB, other);
    }

    /**
     * this * other elementwise, with numpy broadcasting.
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor mul(Tensor other) {
        return apply(BinaryOp.MUL, other);
    }

    /**
     * this / other elementwise, with numpy broadcasting.
     *
     * @param other the divisor, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor div(Tensor other) {
        return apply(BinaryOp.DIV, other);
    }

    /**
     * The larger of the two elementwise (NaN if either is NaN), with numpy broadcasting.
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor maximum(Tensor other) {
        return apply(BinaryOp.MAXIMUM, other);
    }

    /**
     * The smaller of the two elementwise (NaN if either is NaN), with numpy broadcasting.
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor minimum(Tensor other) {
        return apply(BinaryOp.MINIMUM, other);
    }

    /**
     * 1 where equal, else 0 (in this dtype); likewise ne, lt, le, gt, ge.
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape, in this dtype
     */
    public Tensor eq(Tensor other) {
        return apply(BinaryOp.EQ, other);
    }

    /**
     * 1 where not equal, else 0 (in this dtype).
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor ne(Tensor other) {
        return apply(BinaryOp.NE, other);
    }

    /**
     * 1 where this is less than other, else 0 (in this dtype).
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor lt(Tensor other) {
        return apply(BinaryOp.LT, other);
    }

    /**
     * 1 where this is less than or equal to other, else 0 (in this dtype).
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor le(Tensor other) {
        return apply(BinaryOp.LE, other);
    }

    /**
     * 1 where this is greater than other, else 0 (in this dtype).
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor gt(Tensor other) {
        return apply(BinaryOp.GT, other);
    }

    /**
     * 1 where this is greater than or equal to other, else 0 (in this dtype).
     *
     * @param other the second operand, of this dtype
     * @return a new tensor of the broadcast shape
     */
    public Tensor ge(Tensor other) {
        return apply(BinaryOp.GE, other);
    }

    /**
     * this + scalar.
     *
     * @param scalar the value added
     * @return a new tensor
     */
    public Tensor add(double scalar) {
        return apply(BinaryOp.ADD, scalar);
    }

    /**
     * this - scalar.
     *
     * @param scalar the value subtracted
     * @return a new tensor
     */
    public Tensor sub(double scalar) {
        return apply(BinaryOp.SUB, scalar);
    }

    /**
     * scalar - this.
     *
     * @param scalar the value this tensor is subtracted from
     * @return a new tensor
     */
    public Tensor rsub(double scalar) {
        return applyScalarFirst(BinaryOp.SUB, scalar);
    }

    /**
     * this * scalar.
     *
     * @param scalar the factor
     * @return a new tensor
     */
    public Tensor mul(double scalar) {
        return apply(BinaryOp.MUL, scalar);
    }

    /**
     * this / scalar.
     *
     * @param scalar the divisor
     * @return a new tensor
     */
    public Tensor div(double scalar) {
        return apply(BinaryOp.DIV, scalar);
    }

    /**
     * The larger of each element and the scalar (NaN stays NaN).
     *
     * @param scalar the bound below
     * @return a new tensor
     */
    public Tensor maximum(double scalar) {
        return apply(BinaryOp.MAXIMUM, scalar);
    }

    /**
     * The smaller of each element and the scalar (NaN stays NaN).
     *
     * @param scalar the bound above
     * @return a new tensor
     */
    public Tensor minimum(double scalar) {
        return apply(BinaryOp.MINIMUM, scalar);
    }

    /**
     * 1 where an element equals the scalar, else 0 (in this dtype).
     *
     * @param scalar the value compared with
     * @return a new tensor
     */
    public Tensor eq(double scalar) {
        return apply(BinaryOp.EQ, scalar);
    }

    /**
     * 1 where an element is less than the scalar, else 0 (in this dtype).
     *
     * @param scalar the value compared with
     * @return a new tensor
     */
    public Tensor lt(double scalar) {
        return apply(BinaryOp.LT, scalar);
    }

    /**
     * 1 where an element is greater than the scalar, else 0 (in this dtype).
     *
     * @param scalar the value compared with
     * @return a new tensor
     */
    public Tensor gt(double scalar) {
        return apply(BinaryOp.GT, scalar);
    }

    /**
     * 1 where an element is greater than or equal to the scalar, else 0 (in this dtype).
     *
     * @param scalar the value compared with
     * @return a new tensor
     */
    public Tensor ge(double scalar) {
        return apply(BinaryOp.GE, scalar);
    }

    /**
     * alpha * this (the same as {@code mul(alpha)}).
     *
     * @param alpha the factor
     * @return a new tensor
     */
    public Tensor scale(double alpha) {
        return mul(alpha);
    }

    /**
     * Where {@code condition} is non-zero, this tensor's element, else {@code other}'s; the three
     * broadcast together. Built from two masked copies (MASK), so an infinite or NaN value on the
     * side not chosen never leaks into the result (as it would through c * a + (1 - c) * b).
     *
     * @param condition non-zero where this tensor's element is taken
     * @param other the elements taken elsewhere
     * @return a new tensor of the broadcast shape
     */
    public Tensor where(Tensor condition, Tensor other) {
        checkPair("where", this, other);
        checkPair("where", this, condition);
        try (Tensor chosen = apply(BinaryOp.MASK, condition);
             Tensor otherwise = condition.eq(0.0);
             Tensor rest = other.apply(BinaryOp.MASK, otherwise)) {
            return chosen.add(rest);
        }
    }

    /**
     * 1 where an element differs from the scalar, else 0 (in this dtype).
     *
     * @param scalar the value compared with
     * @return a new tensor
     */
    public Tensor ne(double scalar) {
        return apply(BinaryOp.NE, scalar);
    }

    /**
     * 1 where an element is less than or equal to the scalar, else 0 (in this dtype).
     *
     * @param scalar the value compared with
     * @return a new tensor
     */
    public Tensor le(double scalar) {
        return apply(BinaryOp.LE, scalar);
    }


    // ---- the op table: reductions along an axis --------------------------------------------------------

    /**
     * op along {@code axis} (negative counts from the end); the axis is removed, or kept with
     * length 1 when {@code keepDim}. ARGMAX and ARGMIN give INT32 positions; MAX, MIN, ARGMAX and
     * ARGMIN refuse an empty axis.
     *
     * @param op the table's entry
     * @param axis the axis reduced
     * @param keepDim whether the axis stays, with length 1
     * @return a new tensor
     */
    public Tensor reduce(ReduceOp op, int axis, boolean keepDim) {
        requireFloating(this, op.opName());
        int a = axis(axis);
        int n = shape.dim(a);
        if (op.kind() == ReduceOp.Kind.SELECT && n == 0) {
            throw new IllegalArgumentException(op.opName() + " along axis " + axis + " of shape " + shape
                    + ": the axis is empty");
        }
        int[] dims = shape.dims();
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= dims[i];
        for (int i = a + 1; i < dims.length; i++) inner *= dims[i];
        Tensor out = engine.empty(op.indexResult() ? DType.INT32 : dtype, reducedShape(a, keepDim));
        backend().reduce(op, buffer, out.buffer, outer, n, inner);
        return out;
    }

    /**
     * The sum along an axis.
     *
     * @param axis the axis summed (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new tensor
     */
    public Tensor sum(int axis, boolean keepDim) {
        return reduce(ReduceOp.SUM, axis, keepDim);
    }

    /**
     * The mean along an axis.
     *
     * @param axis the axis averaged (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new tensor
     */
    public Tensor mean(int axis, boolean keepDim) {
        return reduce(ReduceOp.MEAN, axis, keepDim);
    }

    /**
     * The largest element along an axis (NaN if any is NaN).
     *
     * @param axis the axis reduced (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new tensor
     */
    public Tensor max(int axis, boolean keepDim) {
        return reduce(ReduceOp.MAX, axis, keepDim);
    }

    /**
     * The smallest element along an axis (NaN if any is NaN).
     *
     * @param axis the axis reduced (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new tensor
     */
    public Tensor min(int axis, boolean keepDim) {
        return reduce(ReduceOp.MIN, axis, keepDim);
    }

    /**
     * log(sum(exp(x))) along an axis, computed without overflow.
     *
     * @param axis the axis reduced (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new tensor
     */
    public Tensor logsumexp(int axis, boolean keepDim) {
        return reduce(ReduceOp.LOGSUMEXP, axis, keepDim);
    }

    /**
     * Positions (INT32) of the first maximum along the axis.
     *
     * @param axis the axis searched (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new INT32 tensor
     */
    public Tensor argmax(int axis, boolean keepDim) {
        return reduce(ReduceOp.ARGMAX, axis, keepDim);
    }

    /**
     * Positions (INT32) of the first minimum along the axis.
     *
     * @param axis the axis searched (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return a new INT32 tensor
     */
    public Tensor argmin(int axis, boolean keepDim) {
        return reduce(ReduceOp.ARGMIN, axis, keepDim);
    }

    /**
     * exp(x - logsumexp(x)) along the axis.
     *
     * @param axis the axis normalised (negative counts from the end)
     * @return a new tensor of this shape
     */
    public Tensor softmax(int axis) {
        try (Tensor logp = logSoftmax(axis)) {
            return logp.exp();
        }
    }

    /**
     * x - logsumexp(x) along the axis (no overflow for large logits).
     *
     * @param axis the axis normalised (negative counts from the end)
     * @return a new tensor of this shape
     */
    public Tensor logSoftmax(int axis) {
        try (Tensor lse = logsumexp(axis, true)) {
            return sub(lse);
        }
    }

    /**
     * The sum of this tensor down to {@code target}, a shape it broadcasts from (the gradient of a
     * broadcast): dimensions this tensor has in front are summed away, and those of size 1 in the
     * target summed with the dimension kept. A copy when the shapes are equal.
     *
     * @param target a shape this tensor's shape broadcasts from
     * @return a new tensor of shape {@code target}
     */
    public Tensor sumTo(Shape target) {
        checkOpen();
        if (shape.equals(target)) return copy();
        if (!Strides.broadcastShape(target, shape).equals(shape)) {
            throw new IllegalArgumentException("sumTo: " + target + " does not broadcast to " + shape);
        }
        Tensor current = this;
        int lead = shape.rank() - target.rank();
        if (lead > 0) {
            // The dimensions the target lacks are summed as one, so that each result is rounded
            // once (a bias's gradient over [T, B, C] the same as over [T * B, C]).
            int[] dims = new int[target.rank() + 1];
            dims[0] = 1;
            for (int i = 0; i < lead; i++) dims[0] *= shape.dim(i);
            for (int i = 0; i < target.rank(); i++) dims[i + 1] = shape.dim(lead + i);
            current = reshape(dims).sum(0, false);
        }
        for (int i = target.rank() - 1; i >= 0; i--) {
            if (target.dim(i) == 1 && current.shape.dim(i) != 1) {
                Tensor next = current.sum(i, true);
                if (current != this) current.close();
                current = next;
            }
        }
        Tensor shaped = current.reshape(target.dims());
        if (current == this) return shaped.copy();
        return shaped;
    }

    private int axis(int axis) {
        int a = axis < 0 ? axis + rank() : axis;
        if (a < 0 || a >= rank()) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + shape);
        }
        return a;
    }

    private Shape reducedShape(int axis, boolean keepDim) {
        int[] dims = shape.dims();
        if (keepDim) {
            dims[axis] = 1;
            return Shape.of(dims);
        }
        int[] out = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) if (i != axis) out[j++] = dims[i];
        return Shape.of(out);
    }

    // ---- shape ops ---------------------------------------------------------------------------------------

    /**
     * This tensor with its dimensions reordered (a copy): result dimension i is this tensor's
     * {@code order[i]}.
     *
     * @param order a permutation of the axes
     * @return a new tensor
     */
    public Tensor permute(int... order) {
        checkOpen();
        if (order.length != rank()) {
            throw new IllegalArgumentException("permute " + Arrays.toString(order) + " of shape " + shape
                    + ": expected " + rank() + " axes");
        }
        int[] dims = shape.dims(), own = Strides.contiguous(dims);
        int[] outDims = new int[rank()], srcStrides = new int[rank()];
        boolean[] seen = new boolean[rank()];
        for (int i = 0; i < order.length; i++) {
            int a = axis(order[i]);
            if (seen[a]) throw new IllegalArgumentException("permute " + Arrays.toString(order) + ": axis repeated");
            seen[a] = true;
            outDims[i] = dims[a];
            srcStrides[i] = own[a];
        }
        Tensor out = engine.empty(dtype, outDims);
        backend().copyStrided(buffer, out.buffer, Strides.of(outDims, srcStrides, Strides.contiguous(outDims)));
        return out;
    }

    /**
     * This tensor with two axes swapped (a copy).
     *
     * @param axis0 one axis (negative counts from the end)
     * @param axis1 the other axis
     * @return a new tensor
     */
    public Tensor transpose(int axis0, int axis1) {
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int a = axis(axis0), b = axis(axis1);
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /**
     * Elements [start, start + length) along {@code axis} (a copy unless the axis is the first).
     *
     * @param axis the axis cut (negative counts from the end)
     * @param start the first element kept
     * @param length how many are kept
     * @return a view for the first axis, otherwise a new tensor
     */
    public Tensor narrow(int axis, int start, int length) {
        checkOpen();
        int a = axis(axis);
        int n = shape.dim(a);
        if (start < 0 || length < 0 || start > n - length) {
            throw new IndexOutOfBoundsException("narrow [" + start + ", " + ((long) start + length) + ") out of range for axis "
                    + axis + " of shape " + shape);
        }
        if (a == 0) return slice(start, start + length).copy();
        int[] dims = shape.dims(), own = Strides.contiguous(dims);
        int[] outDims = dims.clone();
        outDims[a] = length;
        Tensor out = engine.empty(dtype, outDims);
        if (out.numel() > 0) {
            backend().copyStrided(buffer.slice(start * own[a], buffer.length() - start * own[a]), out.buffer,
                    Strides.of(outDims, own, Strides.contiguous(outDims)));
        }
        return out;
    }

    /**
     * Consecutive pieces along {@code axis} of the given sizes (which must add up to its length).
     *
     * @param axis the axis cut (negative counts from the end)
     * @param sizes the pieces' lengths
     * @return the pieces, in order
     */
    public List<Tensor> split(int axis, int... sizes) {
        int a = axis(axis);
        long total = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split: negative size " + s);
            total += s;
        }
        if (total != shape.dim(a)) {
            throw new IllegalArgumentException("split " + Arrays.toString(sizes) + " does not add up to " + shape.dim(a)
                    + " along axis " + axis + " of " + shape);
        }
        List<Tensor> parts = new ArrayList<>();
        int start = 0;
        for (int s : sizes) {
            parts.add(narrow(a, start, s));
            start += s;
        }
        return parts;
    }

    /**
     * The tensors joined along an existing axis; all other dimensions must agree.
     *
     * @param axis the axis joined along (negative counts from the end)
     * @param parts the tensors, at least one, of one dtype
     * @return a new tensor
     */
    public static Tensor concat(int axis, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("concat of no tensors");
        Tensor first = parts[0];
        first.checkOpen();
        int a = first.axis(axis);
        int[] dims = first.shape.dims();
        int total = 0;
        for (Tensor p : parts) {
            checkPairAnyDType("concat", first, p);
            int[] pd = p.shape.dims();
            boolean fits = pd.length == dims.length;
            for (int i = 0; fits && i < pd.length; i++) fits = i == a || pd[i] == dims[i];
            if (!fits) {
                throw new IllegalArgumentException("concat along axis " + axis + ": shapes " + first.shape + " and "
                        + p.shape + " differ off that axis");
            }
            total = Math.addExact(total, pd[a]);
        }
        dims[a] = total;
        Tensor out = first.engine.empty(first.dtype, dims);
        int[] outStrides = Strides.contiguous(dims);
        int start = 0;
        for (Tensor p : parts) {
            int[] pd = p.shape.dims();
            if (p.numel() > 0) {
                int at = start * outStrides[a];
                first.backend().copyStrided(p.buffer, out.buffer.slice(at, out.numel() - at),
                        Strides.of(pd, Strides.contiguous(pd), outStrides));
            }
            start += pd[a];
        }
        return out;
    }

    /**
     * The tensors (all of one shape) stacked along a new axis.
     *
     * @param axis the position of the new axis
     * @param parts the tensors, at least one
     * @return a new tensor with one more dimension
     */
    public static Tensor stack(int axis, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("stack of no tensors");
        int a = axis < 0 ? axis + parts[0].rank() + 1 : axis;
        if (a < 0 || a > parts[0].rank()) {
            throw new IllegalArgumentException("axis " + axis + " out of range for stacking shape " + parts[0].shape);
        }
        Tensor[] lifted = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].shape.equals(parts[0].shape)) {
                throw new IllegalArgumentException("stack: shapes " + parts[0].shape + " and " + parts[i].shape + " differ");
            }
            lifted[i] = parts[i].unsqueeze(a);
        }
        return concat(a, lifted);
    }

    /**
     * A view with a new dimension of length 1 at {@code axis}.
     *
     * @param axis where the new dimension goes (negative counts from the end)
     * @return a view
     */
    public Tensor unsqueeze(int axis) {
        int a = axis < 0 ? axis + rank() + 1 : axis;
        if (a < 0 || a > rank()) throw new IllegalArgumentException("axis " + axis + " out of range for unsqueezing " + shape);
        int[] dims = shape.dims();
        int[] out = new int[dims.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) out[i] = i == a ? 1 : dims[j++];
        return reshape(out);
    }

    /**
     * A view without dimension {@code axis}, which must have length 1.
     *
     * @param axis the dimension removed (negative counts from the end)
     * @return a view
     */
    public Tensor squeeze(int axis) {
        int a = axis(axis);
        if (shape.dim(a) != 1) throw new IllegalArgumentException("squeeze axis " + axis + " of " + shape + ": not 1");
        return reshape(reducedShape(a, false).dims());
    }

    /**
     * This tensor repeated along stretched dimensions to {@code target} (numpy broadcasting; a
     * copy).
     *
     * @param target a shape this tensor's shape broadcasts to
     * @return a new tensor
     */
    public Tensor broadcastTo(Shape target) {
        checkOpen();
        if (!Strides.broadcastShape(shape, target).equals(target)) {
            throw new IllegalArgumentException("cannot broadcast " + shape + " to " + target);
        }
        Tensor out = engine.empty(dtype, target);
        if (out.numel() > 0) backend().copyStrided(buffer, out.buffer, Strides.broadcastTo(shape, target));
        return out;
    }

    /**
     * This tensor repeated along stretched dimensions to the given dimensions (numpy broadcasting;
     * a copy).
     *
     * @param dims the target's dimensions
     * @return a new tensor
     */
    public Tensor broadcastTo(int... dims) {
        return broadcastTo(Shape.of(dims));
    }

    // ---- activations --------------------------------------------------------------------------

    /**
     * With this being tanh's output y: returns dy * (1 - y^2).
     *
     * @param dy the gradient reaching tanh's output
     * @return a new tensor, the gradient of tanh's input
     */
    public Tensor tanhBackward(Tensor dy) {
        requireFloating(this, "tanhBackward");
        checkSameShape("tanhBackward", this, dy);
        Tensor dx = engine.empty(dtype, shape);
        backend().tanhBackward(buffer, dy.buffer, dx.buffer, numel(), false);
        return dx;
    }

    /**
     * The tanh gradient written into this tensor: this = dy * (1 - y^2), or this += that when
     * {@code accumulate}, with y tanh's saved output. All three of one shape and dtype; {@code dy}
     * may be this tensor itself (a gradient turned into the pre-activation gradient in place),
     * otherwise none of them may overlap.
     *
     * @param y tanh's output
     * @param dy the gradient reaching y
     * @param accumulate whether to add into this tensor rather than overwrite it
     * @return this tensor
     */
    public Tensor tanhBackwardInPlace(Tensor y, Tensor dy, boolean accumulate) {
        requireFloating(this, "tanhBackwardInPlace");
        checkSameShape("tanhBackwardInPlace", this, y);
        checkSameShape("tanhBackwardInPlace", this, dy);
        backend().tanhBackward(y.buffer, dy.buffer, buffer, numel(), accumulate);
        return this;
    }

    // ---- recurrent cells --------------------------------------------------------------------------

    /**
     * One LSTM timestep's pointwise part (PyTorch's gate order i, f, g, o): {@code gates} [B, 4H]
     * holds the summed projections and biases and is overwritten with the gate activations; writes
     * c = f cPrev + i g and h = o tanh(c), [B, H]. See {@link Backend#lstmCellForward}.
     *
     * @param gates [B, 4H]: the pre-activations in, the gate activations out
     * @param cPrev the previous cell state [B, H]
     * @param c the new cell state [B, H], written
     * @param h the new hidden state [B, H], written
     */
    public static void lstmCellForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h) {
        int hidden = checkCell("lstmCellForward", 4, gates, cPrev, c, h);
        requireDistinct("lstmCellForward", gates, cPrev, c, h);
        if (hidden > 0) gates.backend().lstmCellForward(gates.buffer, cPrev.buffer, c.buffer, h.buffer, gates.shape.dim(0), hidden);
    }

    /**
     * The backward of {@link #lstmCellForward} at one timestep: writes the pre-activation gradients
     * into dGates [B, 4H] (which may be gates itself) and turns dc, the gradient reaching c, into
     * the gradient of cPrev. See {@link Backend#lstmCellBackward}.
     *
     * @param gates the forward's gate activations [B, 4H]
     * @param cPrev the previous cell state [B, H]
     * @param c the forward's new cell state [B, H]
     * @param dh the gradient reaching h [B, H]
     * @param dc the gradient reaching c [B, H]; becomes cPrev's
     * @param dGates the pre-activation gradients [B, 4H], written
     */
    public static void lstmCellBackward(Tensor gates, Tensor cPrev, Tensor c, Tensor dh, Tensor dc, Tensor dGates) {
        int hidden = checkCell("lstmCellBackward", 4, gates, cPrev, c, dh, dc);
        checkSameShape("lstmCellBackward", gates, dGates);
        requireDistinct("lstmCellBackward", gates, cPrev, c, dh, dc);
        if (dGates != gates) requireDistinct("lstmCellBackward", dGates, cPrev, c, dh, dc);
        if (hidden > 0) {
            gates.backend().lstmCellBackward(gates.buffer, cPrev.buffer, c.buffer, dh.buffer, dc.buffer, dGates.buffer,
                    gates.shape.dim(0), hidden);
        }
    }

    /**
     * One GRU timestep's pointwise part (PyTorch's gate order r, z, n): {@code gi} [B, 3H] holds
     * x W_ih^T + b_ih and is overwritten with r, z, n; {@code gh} [B, 3H] holds hPrev W_hh^T + b_hh;
     * writes h [B, H]. See {@link Backend#gruCellForward}.
     *
     * @param gi the input projection [B, 3H], overwritten with r, z, n
     * @param gh the hidden projection [B, 3H]
     * @param hPrev the previous hidden state [B, H]
     * @param h the new hidden state [B, H], written
     */
    public static void gruCellForward(Tensor gi, Tensor gh, Tensor hPrev, Tensor h) {
        int hidden = checkCell("gruCellForward", 3, gi, hPrev, h);
        checkSameShape("gruCellForward", gi, gh);
        requireDistinct("gruCellForward", gi, gh, hPrev, h);
        if (hidden > 0) gi.backend().gruCellForward(gi.buffer, gh.buffer, hPrev.buffer, h.buffer, gi.shape.dim(0), hidden);
    }

    /**
     * The backward of {@link #gruCellForward}: writes dGi and dGh [B, 3H] (dGi may be gates
     * itself) and adds dh z into dhPrev [B, H]. See {@link Backend#gruCellBackward}.
     *
     * @param gates the forward's r, z, n [B, 3H]
     * @param gh the forward's hidden projection [B, 3H]
     * @param hPrev the previous hidden state [B, H]
     * @param dh the gradient reaching h [B, H]
     * @param dGi the input projection's gradient [B, 3H], written
     * @param dGh the hidden projection's gradient [B, 3H], written
     * @param dhPrev the previous hidden state's gradient [B, H], added into
     */
    public static void gruCellBackward(Tensor gates, Tensor gh, Tensor hPrev, Tensor dh, Tensor dGi, Tensor dGh,
                                       Tensor dhPrev) {
        int hidden = checkCell("gruCellBackward", 3, gates, hPrev, dh, dhPrev);
        checkSameShape("gruCellBackward", gates, gh);
        checkSameShape("gruCellBackward", gates, dGi);
        checkSameShape("gruCellBackward", gates, dGh);
        requireDistinct("gruCellBackward", gates, gh, hPrev, dh, dGh, dhPrev);
        if (dGi != gates) requireDistinct("gruCellBackward", dGi, gh, hPrev, dh, dGh, dhPrev);
        if (hidden > 0) {
            gates.backend().gruCellBackward(gates.buffer, gh.buffer, hPrev.buffer, dh.buffer, dGi.buffer, dGh.buffer,
                    dhPrev.buffer, gates.shape.dim(0), hidden);
        }
    }

    // ---- recurrent layers: every timestep in one call ----------------------------------------------

    /**
     * The recurrence of a tanh RNN layer over all T timesteps: h_t = tanh(h_t + h_{t-1} whh^T) for each
     * t in place, from hInit (null: zeros). The input projection and bias are already in h. See
     * {@link Backend#rnnTanhSequenceForward}.
     *
     * @param h [T, B, H]: the input projections and bias in, the hidden states out
     * @param whh the recurrent weight, [H, H], as the layer stores it (not transposed)
     * @param hInit the initial hidden state [B, H], or null for zeros
     * @throws IllegalArgumentException if a shape, dtype or engine does not match, T is 0, or operands share memory
     */
    public static void rnnTanhSequenceForward(Tensor h, Tensor whh, Tensor hInit) {
        String op = "rnnTanhSequenceForward";
        int[] tbh = checkSequence(op, 1, h, whh, hInit == null ? new Tensor[0] : new Tensor[]{hInit});
        if (hInit != null) requireDistinct(op, h, whh, hInit);
        else requireDistinct(op, h, whh);
        if (tbh[1] > 0 && tbh[2] > 0) {
            h.backend().rnnTanhSequenceForward(h.buffer, whh.buffer, hInit == null ? null : hInit.buffer, tbh[0], tbh[1],
                    tbh[2]);
        }
    }

    /**
     * The backward of {@link #rnnTanhSequenceForward}: for t from T - 1 down, dh_t *= 1 - h_t^2, then
     * dh_{t-1} += dh_t whh; dh ends as the pre-activation gradients. See
     * {@link Backend#rnnTanhSequenceBackward}.
     *
     * @param h the forward's hidden states [T, B, H]
     * @param whh the recurrent weight [H, H]
     * @param dh the gradients reaching h from outside the layer [T, B, H]; becomes the pre-activation gradients
     * @throws IllegalArgumentException if a shape, dtype or engine does not match, T is 0, or operands share memory
     */
    public static void rnnTanhSequenceBackward(Tensor h, Tensor whh, Tensor dh) {
        String op = "rnnTanhSequenceBackward";
        int[] tbh = checkSequence(op, 1, h, whh, new Tensor[0], dh);
        requireDistinct(op, h, whh, dh);
        if (tbh[1] > 0 && tbh[2] > 0) h.backend().rnnTanhSequenceBackward(h.buffer, whh.buffer, dh.buffer, tbh[0], tbh[1], tbh[2]);
    }

    /**
     * The recurrence of an LSTM layer over all T timesteps: for each t, gates_t += h_{t-1} whh^T, then
     * {@link #lstmCellForward}(gates_t, c_{t-1}, c_t, h_t), starting from hInit and cInit. The input
     * projection and biases are already in {@code gates}. See {@link Backend#lstmSequenceForward}.
     *
     * @param gates [T, B, 4H]: the input projection and biases in, the gate activations out
     * @param whh the recurrent weight, [4H, H], as the layer stores it (not transposed)
     * @param hInit the initial hidden state [B, H]
     * @param hInitZero whether hInit holds zeros (the first step's product is then skipped)
     * @param cInit the initial cell state [B, H]
     * @param c the cell states [T, B, H], written
     * @param h the hidden states [T, B, H], written
     * @throws IllegalArgumentException if a shape, dtype or engine does not match, T is 0, or operands share memory
     */
    public static void lstmSequenceForward(Tensor gates, Tensor whh, Tensor hInit, boolean hInitZero, Tensor cInit,
                                           Tensor c, Tensor h) {
        String op = "lstmSequenceForward";
        int[] tbh = checkSequence(op, 4, gates, whh, new Tensor[]{hInit, cInit}, c, h);
        // hInit and cInit may be one tensor (both only read): zeros when a layer is given no state.
        requireDistinct(op, gates, whh, hInit, c, h);
        requireDistinct(op, gates, whh, cInit, c, h);
        if (tbh[1] > 0 && tbh[2] > 0) {
            gates.backend().lstmSequenceForward(gates.buffer, whh.buffer, hInit.buffer, hInitZero, cInit.buffer, c.buffer,
                    h.buffer, tbh[0], tbh[1], tbh[2]);
        }
    }

    /**
     * The backward of {@link #lstmSequenceForward}: for t from T - 1 down, {@link #lstmCellBackward} at
     * step t, then dh_{t-1} += dGates_t whh. dh ends as the whole gradient reaching each h_t, dc as
     * cInit's gradient. See {@link Backend#lstmSequenceBackward}.
     *
     * @param gates the forward's gate activations [T, B, 4H]
     * @param whh the recurrent weight [4H, H]
     * @param cInit the initial cell state [B, H]
     * @param c the forward's cell states [T, B, H]
     * @param dh the gradients reaching h from outside the layer [T, B, H]; the recurrent part is added in
     * @param dc the gradient reaching the last cell state [B, H]; becomes cInit's
     * @param dGates the pre-activation gradients [T, B, 4H], written (may be gates itself)
     * @throws IllegalArgumentException if a shape, dtype or engine does not match, T is 0, or operands share memory
     */
    public static void lstmSequenceBackward(Tensor gates, Tensor whh, Tensor cInit, Tensor c, Tensor dh, Tensor dc,
                                            Tensor dGates) {
        String op = "lstmSequenceBackward";
        int[] tbh = checkSequence(op, 4, gates, whh, new Tensor[]{cInit, dc}, c, dh);
        checkSameShape(op, gates, dGates);
        requireDistinct(op, gates, whh, cInit, c, dh, dc);
        if (dGates != gates) requireDistinct(op, dGates, whh, cInit, c, dh, dc);
        if (tbh[1] > 0 && tbh[2] > 0) {
            gates.backend().lstmSequenceBackward(gates.buffer, whh.buffer, cInit.buffer, c.buffer, dh.buffer, dc.buffer,
                    dGates.buffer, tbh[0], tbh[1], tbh[2]);
        }
    }

    /**
     * The recurrence of a GRU layer over all T timesteps: for each t, gh_t += h_{t-1} whh^T, then
     * {@link #gruCellForward}(gi_t, gh_t, h_{t-1}, h_t), starting from hInit. See
     * {@link Backend#gruSequenceForward}.
     *
     * @param gi [T, B, 3H]: the input projection and b_ih in, r, z, n out
     * @param gh [T, B, 3H]: b_hh in, the hidden projections out
     * @param whh the recurrent weight, [3H, H], as the layer stores it (not transposed)
     * @param hInit the initial hidden state [B, H]
     * @param hInitZero whether hInit holds zeros (the first step's product is then skipped)
     * @param h the hidden states [T, B, H], written
     * @throws IllegalArgumentException if a shape, dtype or engine does not match, T is 0, or operands share memory
     */
    public static void gruSequenceForward(Tensor gi, Tensor gh, Tensor whh, Tensor hInit, boolean hInitZero, Tensor h) {
        String op = "gruSequenceForward";
        int[] tbh = checkSequence(op, 3, gi, whh, new Tensor[]{hInit}, h);
        checkSameShape(op, gi, gh);
        requireDistinct(op, gi, gh, whh, hInit, h);
        if (tbh[1] > 0 && tbh[2] > 0) {
            gi.backend().gruSequenceForward(gi.buffer, gh.buffer, whh.buffer, hInit.buffer, hInitZero, h.buffer, tbh[0],
                    tbh[1], tbh[2]);
        }
    }

    /**
     * The backward of {@link #gruSequenceForward}: for t from T - 1 down, {@link #gruCellBackward} at
     * step t (adding into dh_{t-1}, or into dhInit at t = 0), then dh_{t-1} += dGh_t whh. See
     * {@link Backend#gruSequenceBackward}.
     *
     * @param gates the forward's r, z, n [T, B, 3H]
     * @param gh the forward's hidden projections [T, B, 3H]
     * @param whh the recurrent weight [3H, H]
     * @param hInit the initial hidden state [B, H]
     * @param h the forward's hidden states [T, B, H]
     * @param dh the gradients reaching h from outside the layer [T, B, H]; the recurrent part is added in
     * @param dGi the input projections' gradients [T, B, 3H], written (may be gates itself)
     * @param dGh the hidden projections' gradients [T, B, 3H], written
     * @param dhInit hInit's gradient [B, H], added into (its direct part)
     * @throws IllegalArgumentException if a shape, dtype or engine does not match, T is 0, or operands share memory
     */
    public static void gruSequenceBackward(Tensor gates, Tensor gh, Tensor whh, Tensor hInit, Tensor h, Tensor dh,
                                           Tensor dGi, Tensor dGh, Tensor dhInit) {
        String op = "gruSequenceBackward";
        int[] tbh = checkSequence(op, 3, gates, whh, new Tensor[]{hInit, dhInit}, h, dh);
        checkSameShape(op, gates, gh);
        checkSameShape(op, gates, dGi);
        checkSameShape(op, gates, dGh);
        requireDistinct(op, gates, gh, whh, hInit, h, dh, dGh, dhInit);
        if (dGi != gates) requireDistinct(op, dGi, gh, whh, hInit, h, dh, dGh, dhInit);
        if (tbh[1] > 0 && tbh[2] > 0) {
            gates.backend().gruSequenceBackward(gates.buffer, gh.buffer, whh.buffer, hInit.buffer, h.buffer, dh.buffer,
                    dGi.buffer, dGh.buffer, dhInit.buffer, tbh[0], tbh[1], tbh[2]);
        }
    }

    /**
     * Checks a recurrent layer's operands: {@code gates} [T, B, gateCount * H] with T at least 1,
     * the weight [gateCount * H, H], every state
     * [B, H] and every sequence [T, B, H]; all floating, one dtype, one engine. Returns T, B, H.
     */
    private static int[] checkSequence(String op, int gateCount, Tensor gates, Tensor weight, Tensor[] states,
                                       Tensor... sequences) {
        requireFloating(gates, op);
        if (gates.rank() != 3 || gates.shape.dim(2) % gateCount != 0) {
            throw new IllegalArgumentException(op + ": gates " + gates.shape + " must be [T, B, " + gateCount + " * H]");
        }
        int steps = gates.shape.dim(0), batch = gates.shape.dim(1), hidden = gates.shape.dim(2) / gateCount;
        if (steps == 0) throw new IllegalArgumentException(op + ": the sequence is empty (gates " + gates.shape + ")");
        Shape w = Shape.of(gateCount * hidden, hidden);
        checkPair(op, gates, weight);
        if (!weight.shape.equals(w)) {
            throw new IllegalArgumentException(op + ": weight " + weight.shape + " does not match gates " + gates.shape
                    + " (expected " + w + ")");
        }
        Shape state = Shape.of(batch, hidden), sequence = Shape.of(steps, batch, hidden);
        for (Tensor s : states) {
            checkPair(op, gates, s);
            if (!s.shape.equals(state)) {
                throw new IllegalArgumentException(op + ": state " + s.shape + " does not match gates " + gates.shape
                        + " (expected " + state + ")");
            }
        }
        for (Tensor s : sequences) {
            checkPair(op, gates, s);
            if (!s.shape.equals(sequence)) {
                throw new IllegalArgumentException(op + ": sequence " + s.shape + " does not match gates " + gates.shape
                        + " (expected " + sequence + ")");
            }
        }
        return new int[]{steps, batch, hidden};
    }

    /**
     * Checks a cell's operands: {@code gates} [B, gateCount * H] and every state [B, H], floating,
     * one dtype, one engine. Returns H.
     */
    private static int checkCell(String op, int gateCount, Tensor gates, Tensor... states) {
        checkMatrix(gates, op);
        requireFloating(gates, op);
        int batch = gates.shape.dim(0), width = gates.shape.dim(1);
        if (width % gateCount != 0) {
            throw new IllegalArgumentException(op + ": gates " + gates.shape + " must be [B, " + gateCount + " * H]");
        }
        Shape state = Shape.of(batch, width / gateCount);
        for (Tensor s : states) {
            checkPair(op, gates, s);
            if (!s.shape.equals(state)) {
                throw new IllegalArgumentException(op + ": state " + s.shape + " does not match gates " + gates.shape
                        + " (expected " + state + ")");
            }
        }
        return width / gateCount;
    }

    /** Refuses operands that share memory (the cell kernels read and write them row by row). */
    private static void requireDistinct(String op, Tensor... operands) {
        for (int i = 0; i < operands.length; i++) {
            for (int j = i + 1; j < operands.length; j++) {
                if (operands[i].overlaps(operands[j])) {
                    throw new IllegalArgumentException(op + ": operands " + i + " " + operands[i].shape + " and " + j + " "
                            + operands[j].shape + " share memory");
                }
            }
        }
    }

    // ---- loss -----------------------------------------------------------------------------------

    /**
     * The loss (a FLOAT scalar tensor) and the gradient of that loss with respect to the logits.
     *
     * @param loss the loss, a scalar tensor of the logits' dtype
     * @param dLogits the loss's gradient with respect to the logits, of their shape
     */
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
     *
     * @param targets the classes, INT32 [N]
     * @param ignoreIndex the target value whose rows count for nothing
     * @return the loss and its gradient; close both
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

    // ---- bias and in-place arithmetic -----------------------------------------------------------

    /**
     * this [.., C] + bias [C], broadcast over the rows (the same as {@code add(bias)} for such
     * shapes).
     *
     * @param bias [C]
     * @return a new tensor of this shape
     */
    public Tensor addRowVector(Tensor bias) {
        requireFloating(this, "addRowVector");
        bias.checkOpen();
        if (rank() < 1 || bias.rank() != 1 || bias.shape.dim(0) != shape.lastDim()) {
            throw new IllegalArgumentException("addRowVector: bias shape " + bias.shape
                    + " does not match the last dimension of " + shape);
        }
        return add(bias);
    }

    /**
     * The sum over all rows: this [.., C] -> [C] (the bias gradient).
     *
     * @return a new tensor [C]
     */
    public Tensor sumRows() {
        requireFloating(this, "sumRows");
        if (rank() < 1) throw new IllegalArgumentException("sumRows needs rank >= 1, got shape " + shape);
        Tensor out = engine.empty(dtype, shape.lastDim());
        backend().reduce(ReduceOp.SUM, buffer, out.buffer, 1, shape.rows(), shape.lastDim());
        return out;
    }

    /**
     * this += other in place; other must broadcast to this shape.
     *
     * @param other the addend
     * @return this tensor
     */
    public Tensor addInPlace(Tensor other) {
        return applyInPlace(BinaryOp.ADD, other);
    }

    /**
     * this *= alpha in place.
     *
     * @param alpha the factor
     * @return this tensor
     */
    public Tensor scaleInPlace(double alpha) {
        requireFloating(this, "scaleInPlace");
        backend().binaryScalar(BinaryOp.MUL, buffer, alpha, false, buffer, numel());
        return this;
    }

    /**
     * this += alpha * x (axpy), in place.
     *
     * @param alpha x's factor
     * @param x a tensor of this shape and dtype
     * @return this tensor
     */
    public Tensor addScaledInPlace(double alpha, Tensor x) {
        checkSameShape("addScaledInPlace", this, x);
        requireFloating(this, "addScaledInPlace");
        backend().axpy(alpha, x.buffer, buffer, numel());
        return this;
    }

    // ---- reductions ------------------------------------------------------------------------------

    /**
     * The sum of all elements, as a scalar tensor on this device.
     *
     * @return a new scalar tensor
     */
    public Tensor sum() {
        requireFloating(this, "sum");
        Tensor out = engine.empty(dtype, Shape.scalar());
        backend().reduce(ReduceOp.SUM, buffer, out.buffer, 1, numel(), 1);
        return out;
    }

    /**
     * The mean of all elements (NaN for none), as a scalar tensor on this device.
     *
     * @return a new scalar tensor
     */
    public Tensor mean() {
        requireFloating(this, "mean");
        Tensor out = engine.empty(dtype, Shape.scalar());
        backend().reduce(ReduceOp.MEAN, buffer, out.buffer, 1, numel(), 1);
        return out;
    }

    /**
     * The sum of squares of all elements, as a scalar tensor on this device.
     *
     * @return a new scalar tensor
     */
    public Tensor squaredNorm() {
        requireFloating(this, "squaredNorm");
        Tensor out = engine.empty(dtype, Shape.scalar());
        backend().squaredNorm(buffer, out.buffer, numel());
        return out;
    }

    // ---- optimizer updates, in place on this parameter --------------------------------------------

    /**
     * SGD step on this parameter; velocity may be null (no momentum). See Backend#sgdUpdate.
     *
     * @param grad the gradient, of this shape
     * @param velocity the momentum buffer, of this shape, or null
     * @param lr the learning rate
     * @param momentum the momentum factor (0 for none)
     * @param weightDecay the L2 penalty's factor (0 for none)
     * @return this tensor
     */
    public Tensor sgdUpdateInPlace(Tensor grad, Tensor velocity, double lr, double momentum, double weightDecay) {
        checkSameShape("sgdUpdate", this, grad);
        requireFloating(this, "sgdUpdate");
        if (velocity != null) checkSameShape("sgdUpdate", this, velocity);
        backend().sgdUpdate(buffer, grad.buffer, velocity == null ? null : velocity.buffer, numel(), lr, momentum, weightDecay);
        return this;
    }

    /**
     * Adam step on this parameter with moments m and v; step counts from 1. See Backend#adamUpdate.
     *
     * @param grad the gradient, of this shape
     * @param m the first moment, of this shape, updated
     * @param v the second moment, of this shape, updated
     * @param lr the learning rate
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps added to the second moment's root
     * @param weightDecay the L2 penalty's factor (0 for none)
     * @param step the step number, from 1 (bias correction)
     * @return this tensor
     */
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

    /**
     * SGD step with the learning rate read from device memory (FLOAT64 [1] on this engine), so that
     * a captured step replays with the value written before each replay.
     *
     * @param grad the gradient, of this shape
     * @param velocity the momentum buffer, of this shape, or null
     * @param lr FLOAT64 [1]: the learning rate
     * @param momentum the momentum factor (0 for none)
     * @param weightDecay the L2 penalty's factor (0 for none)
     * @return this tensor
     */
    public Tensor sgdUpdateInPlace(Tensor grad, Tensor velocity, Tensor lr, double momentum, double weightDecay) {
        checkSameShape("sgdUpdate", this, grad);
        requireFloating(this, "sgdUpdate");
        if (velocity != null) checkSameShape("sgdUpdate", this, velocity);
        requireStepScalars(lr, 1, "sgdUpdate's learning rate");
        backend().sgdUpdate(buffer, grad.buffer, velocity == null ? null : velocity.buffer, numel(), lr.buffer, momentum,
                weightDecay);
        return this;
    }

    /**
     * Adam step with its per-step scalars read from device memory: FLOAT64 [3] on this engine
     * holding lr, 1 - beta1^step and 1 - beta2^step (as Backend#adamScalars computes them), so that
     * a captured step replays with the values written before each replay.
     *
     * @param grad the gradient, of this shape
     * @param m the first moment, of this shape, updated
     * @param v the second moment, of this shape, updated
     * @param scalars FLOAT64 [3]: lr and the two bias corrections
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps added to the second moment's root
     * @param weightDecay the L2 penalty's factor (0 for none)
     * @return this tensor
     */
    public Tensor adamUpdateInPlace(Tensor grad, Tensor m, Tensor v, Tensor scalars, double beta1, double beta2,
                                    double eps, double weightDecay) {
        checkSameShape("adamUpdate", this, grad);
        checkSameShape("adamUpdate", this, m);
        checkSameShape("adamUpdate", this, v);
        requireFloating(this, "adamUpdate");
        requireStepScalars(scalars, 3, "adamUpdate's scalars");
        backend().adamUpdate(buffer, grad.buffer, m.buffer, v.buffer, numel(), scalars.buffer, beta1, beta2, eps,
                weightDecay);
        return this;
    }

    private void requireStepScalars(Tensor scalars, int count, String what) {
        scalars.checkOpen();
        requireSameEngine(this, scalars);
        if (scalars.dtype != DType.FLOAT64 || scalars.numel() != count) {
            throw new IllegalArgumentException(what + " must be FLOAT64 with " + count + " element" + (count == 1 ? "" : "s")
                    + ", got " + scalars.dtype + " " + scalars.shape);
        }
    }

    // ---- row-sparse gradients ----------------------------------------------------------------------

    /**
     * The embedding backward as a row-sparse gradient of a [numRows, D] table ({@link SparseRows}):
     * this gradient (shape indices.shape + [D]) summed by index into the distinct rows the indices
     * touch, ascending, each row's terms added in position order (the bits of the dense
     * {@link #scatterAdd}); lookups of {@code skipIndex} (a padding row; -1 for none) contribute
     * nothing. The result has one slot per lookup, the unused ones padding, so its size is known
     * without waiting for the device. An index outside [0, numRows) is an IndexOutOfBoundsException.
     *
     * @param indices the lookups, INT32
     * @param numRows the table's row count
     * @param skipIndex the padding row, or -1 for none
     * @return the row-sparse gradient; close it
     */
    public SparseRows coalesceRows(Tensor indices, int numRows, int skipIndex) {
        requireFloating(this, "coalesceRows");
        indices.checkOpen();
        requireSameEngine(this, indices);
        requireDType(indices, DType.INT32, "coalesceRows indices");
        int d = rank() == 0 ? 0 : shape.lastDim();
        if (d < 1 || !shape.equals(indices.shape.append(d))) {
            throw new IllegalArgumentException("coalesceRows: gradient shape " + shape + " does not match indices shape "
                    + indices.shape + " + a row length of at least 1");
        }
        if (skipIndex < -1 || skipIndex >= numRows) {
            throw new IllegalArgumentException("padding index " + skipIndex + " out of range for a table of " + numRows
                    + " rows");
        }
        checkIndices(indices, numRows); // remembered from the forward's gather: no second pass
        return coalesceChecked(indices, this, numRows, skipIndex);
    }

    /**
     * {@link Backend#coalesceRows} over indices already checked (in [0, numRows) or equal to
     * skipIndex); the result's rows are remembered as checked, so the updates that read them do
     * not wait for the device to check them again.
     */
    static SparseRows coalesceChecked(Tensor indices, Tensor src, int numRows, int skipIndex) {
        int count = indices.numel(), d = src.shape.lastDim();
        Engine e = src.engine;
        Tensor rows = e.empty(DType.INT32, count);
        Tensor values = e.empty(src.dtype, count, d);
        Tensor nnz = e.empty(DType.INT32, Shape.scalar());
        if (count > 0) {
            src.backend().coalesceRows(indices.buffer, src.buffer, count, d, skipIndex, rows.buffer, values.buffer,
                    nnz.buffer);
        } else {
            nnz.zeroInPlace();
        }
        rows.verifiedRange = ((long) numRows << 32) | 0xffffffffL; // bound numRows, -1 exempt
        rows.verifiedAtWrite = rows.writes;
        return new SparseRows(rows, values, nnz, Shape.of(numRows, d));
    }

    /**
     * this += grad (a dense [V, D] table plus a row-sparse gradient of that shape), in place.
     *
     * @param grad a row-sparse gradient of this shape
     * @return this tensor
     */
    public Tensor addSparseInPlace(SparseRows grad) {
        checkSparseUpdate("addSparseInPlace", grad);
        written();
        backend().scatterAdd(buffer, grad.rows().buffer, grad.values().buffer, grad.capacity(), shape.dim(1), -1,
                ScatterMode.ATOMIC); // the rows are distinct: no two terms meet, in any mode
        return this;
    }

    /**
     * SGD step on the rows of this [V, D] parameter that {@code grad} touches. See
     * Backend#sparseSgdUpdate.
     *
     * @param grad a row-sparse gradient of this shape
     * @param lr the learning rate
     * @param weightDecay the L2 penalty's factor, applied to the touched rows only (0 for none)
     * @return this tensor
     */
    public Tensor sparseSgdUpdateInPlace(SparseRows grad, double lr, double weightDecay) {
        checkSparseUpdate("sparseSgdUpdate", grad);
        written();
        backend().sparseSgdUpdate(buffer, grad.rows().buffer, grad.values().buffer, grad.capacity(), shape.dim(1), lr,
                weightDecay);
        return this;
    }

    /**
     * Lazy Adam step on the rows of this [V, D] parameter that {@code grad} touches, with moments m
     * and v (this shape); step counts from 1. See Backend#sparseAdamUpdate.
     *
     * @param grad a row-sparse gradient of this shape
     * @param m the first moment, updated on the touched rows
     * @param v the second moment, updated on the touched rows
     * @param lr the learning rate
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps added to the second moment's root
     * @param step the step number, from 1 (bias correction)
     * @return this tensor
     */
    public Tensor sparseAdamUpdateInPlace(SparseRows grad, Tensor m, Tensor v, double lr, double beta1, double beta2,
                                          double eps, int step) {
        checkSparseUpdate("sparseAdamUpdate", grad);
        checkSameShape("sparseAdamUpdate", this, m);
        checkSameShape("sparseAdamUpdate", this, v);
        if (step < 1) throw new IllegalArgumentException("adam step counts from 1, got " + step);
        written();
        backend().sparseAdamUpdate(buffer, grad.rows().buffer, grad.values().buffer, m.buffer, v.buffer,
                grad.capacity(), shape.dim(1), lr, beta1, beta2, eps, step);
        return this;
    }

    /**
     * {@link #sparseSgdUpdateInPlace(SparseRows, double, double)} with the learning rate read from
     * device memory (FLOAT64 [1] on this engine), for a step captured as a device graph.
     *
     * @param grad a row-sparse gradient of this shape
     * @param lr FLOAT64 [1]: the learning rate
     * @param weightDecay the L2 penalty's factor, applied to the touched rows only
     * @return this tensor
     */
    public Tensor sparseSgdUpdateInPlace(SparseRows grad, Tensor lr, double weightDecay) {
        checkSparseUpdate("sparseSgdUpdate", grad);
        requireStepScalars(lr, 1, "sparseSgdUpdate's learning rate");
        written();
        backend().sparseSgdUpdate(buffer, grad.rows().buffer, grad.values().buffer, grad.capacity(), shape.dim(1),
                lr.buffer, weightDecay);
        return this;
    }

    /**
     * {@link #sparseAdamUpdateInPlace(SparseRows, Tensor, Tensor, double, double, double, double, int)}
     * with lr and the bias corrections read from device memory (FLOAT64 [3] on this engine, as
     * Backend#adamScalars computes them), for a step captured as a device graph.
     *
     * @param grad a row-sparse gradient of this shape
     * @param m the first moment, updated on the touched rows
     * @param v the second moment, updated on the touched rows
     * @param scalars FLOAT64 [3]: lr and the two bias corrections
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps added to the second moment's root
     * @return this tensor
     */
    public Tensor sparseAdamUpdateInPlace(SparseRows grad, Tensor m, Tensor v, Tensor scalars, double beta1,
                                          double beta2, double eps) {
        checkSparseUpdate("sparseAdamUpdate", grad);
        checkSameShape("sparseAdamUpdate", this, m);
        checkSameShape("sparseAdamUpdate", this, v);
        requireStepScalars(scalars, 3, "sparseAdamUpdate's scalars");
        written();
        backend().sparseAdamUpdate(buffer, grad.rows().buffer, grad.values().buffer, m.buffer, v.buffer,
                grad.capacity(), shape.dim(1), scalars.buffer, beta1, beta2, eps);
        return this;
    }

    private void checkSparseUpdate(String op, SparseRows grad) {
        checkTable(this, op);
        grad.checkOpen();
        requireSameEngine(this, grad.values());
        requireSameDType(this, grad.values(), op);
        if (!grad.denseShape().equals(shape)) {
            throw new IllegalArgumentException(op + ": a row-sparse gradient of shape " + grad.denseShape()
                    + " does not fit " + shape);
        }
        checkIndices(grad.rows(), shape.dim(0), -1); // remembered from the coalesce
    }

    /**
     * Takes this tensor out of the memory scope that would close it, so that it outlives the scope
     * (state made during a step that belongs to something longer lived, such as a parameter's
     * row-sparse gradient): closing it is then the caller's business. Returns this.
     *
     * @return this tensor
     */
    public Tensor unscoped() {
        checkOpen();
        if (owner != null) {
            owner.forget(this);
            owner = null;
        }
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

    /** Two floating tensors of one dtype on one engine, both open. */
    private static void checkPair(String op, Tensor a, Tensor b) {
        requireFloating(a, op);
        b.checkOpen();
        requireSameEngine(a, b);
        requireSameDType(a, b, op);
    }

    private static void checkPairAnyDType(String op, Tensor a, Tensor b) {
        a.checkOpen();
        b.checkOpen();
        requireSameEngine(a, b);
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

    /**
     * A short description: shape, dtype, device, and whether closed.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "Tensor" + shape + " " + dtype + " on " + engine.device() + (isClosed() ? " (closed)" : "");
    }
}
