package dev.wick.core.backend;

import dev.wick.core.Device;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

/**
 * The primitive kernels, over raw buffers, that every backend implements (CPU, CUDA). No autograd
 * and no shape checking here: {@link dev.wick.core.Tensor} checks shapes, dtypes and indices
 * before it calls in. Unless a method says otherwise:
 * <ul>
 *   <li>floating buffers are all FLOAT32 or all FLOAT64 within one call (the CPU implements both;
 *       CUDA implements FLOAT32 and may refuse FLOAT64 with UnsupportedOperationException);</li>
 *   <li>index and target buffers are INT32;</li>
 *   <li>matrices are row-major and contiguous;</li>
 *   <li>results are written into the output buffer given; an output may alias an input only where
 *       the method says so;</li>
 *   <li>calls are ordered (one stream); only the host transfers and {@link #firstIndexOutOfRange}
 *       wait for the device.</li>
 * </ul>
 * The op families ({@link #unary}, {@link #binary}, {@link #binaryScalar}, {@link #reduce},
 * {@link #copyStrided}) run any entry of the op table in dev.wick.core.ops: a new op of a known
 * family is a line there, not a method here (docs/adding-an-op.md). The other methods are kernels
 * that are special in themselves: gather and scatter, GEMM, the fused loss, the RNN cell's
 * backward, fills and random numbers, optimizer updates in place.
 */
public interface Backend extends AutoCloseable {

    /**
     * The device this backend's buffers live on.
     *
     * @return the device, e.g. cpu or cuda:0
     */
    Device device();

    /**
     * One line for people: "cpu (2 threads)", "cuda:0 NVIDIA H100 ..., GEMM: cuBLAS".
     *
     * @return the description, for logs and the command line
     */
    String description();

    // ---- memory -------------------------------------------------------------------------------

    /**
     * A buffer of {@code length} elements whose contents are unspecified (it may be recycled).
     *
     * @param dtype the element type
     * @param length the number of elements, 0 or more
     * @return an owning buffer, to be given back with {@link #release}
     */
    Buffer allocate(dev.wick.core.DType dtype, int length);

    /**
     * Returns an owning buffer to the allocator's cache. Views must not be released.
     *
     * @param buffer an owning buffer from {@link #allocate} of this backend, not used afterwards
     */
    void release(Buffer buffer);

    /**
     * The allocator's counters as they stand now.
     *
     * @return a snapshot of the counters
     */
    MemoryStats memoryStats();

    /**
     * The most memory this backend's buffers can take in all, in bytes: a GPU's memory, the Java
     * heap's limit on the CPU; Long.MAX_VALUE where it is not known. Programs size their work by it.
     *
     * @return the capacity in bytes, or Long.MAX_VALUE
     */
    default long memoryCapacity() {
        return Long.MAX_VALUE;
    }

    /** Gives cached, unused memory back to the system (or the driver). */
    void trimCache();

    /**
     * Copies {@code length} floats from the host into a FLOAT32 buffer; src may be reused when this returns.
     *
     * @param src the host array
     * @param srcOffset the first element of src copied
     * @param dst a FLOAT32 buffer of at least {@code length} elements
     * @param length how many elements are copied
     */
    void upload(float[] src, int srcOffset, Buffer dst, int length);

    /**
     * Copies {@code length} doubles from the host into a FLOAT64 buffer; src may be reused when this returns.
     *
     * @param src the host array
     * @param srcOffset the first element of src copied
     * @param dst a FLOAT64 buffer of at least {@code length} elements
     * @param length how many elements are copied
     */
    void upload(double[] src, int srcOffset, Buffer dst, int length);

    /**
     * Copies {@code length} ints from the host into an INT32 buffer; src may be reused when this returns.
     *
     * @param src the host array
     * @param srcOffset the first element of src copied
     * @param dst an INT32 buffer of at least {@code length} elements
     * @param length how many elements are copied
     */
    void upload(int[] src, int srcOffset, Buffer dst, int length);

    /**
     * Copies {@code length} elements of a FLOAT32 buffer to the host, after every queued call that writes it
     * has finished.
     *
     * @param src a FLOAT32 buffer of at least {@code length} elements
     * @param dst the host array written
     * @param dstOffset the first element of dst written
     * @param length how many elements are copied
     */
    void download(Buffer src, float[] dst, int dstOffset, int length);

    /**
     * Copies {@code length} elements of a FLOAT64 buffer to the host, after every queued call that writes it
     * has finished.
     *
     * @param src a FLOAT64 buffer of at least {@code length} elements
     * @param dst the host array written
     * @param dstOffset the first element of dst written
     * @param length how many elements are copied
     */
    void download(Buffer src, double[] dst, int dstOffset, int length);

    /**
     * Copies {@code length} elements of an INT32 buffer to the host, after every queued call that writes it
     * has finished.
     *
     * @param src an INT32 buffer of at least {@code length} elements
     * @param dst the host array written
     * @param dstOffset the first element of dst written
     * @param length how many elements are copied
     */
    void download(Buffer src, int[] dst, int dstOffset, int length);

    /** Waits until every queued call has finished. */
    void synchronize();

    // ---- fills, copies, random ------------------------------------------------------------------

    /**
     * {@code dst[i] = src[i]} for {@code i < length}; same dtype (any dtype, INT32 included).
     *
     * @param src the buffer read
     * @param dst the buffer written, of src's dtype
     * @param length how many elements are copied
     */
    void copy(Buffer src, Buffer dst, int length);

    /**
     * {@code dst[i] = src[i]} converted between the floating dtypes: FLOAT32 to FLOAT64 exactly,
     * FLOAT64 to FLOAT32 rounded to nearest (Java's cast). The buffers must not overlap.
     *
     * @param src the buffer read, FLOAT32 or FLOAT64
     * @param dst the buffer written, of the other floating dtype
     * @param length how many elements are converted
     */
    void convert(Buffer src, Buffer dst, int length);

    /**
     * dst[i] = value (converted to dst's dtype; any dtype, INT32 included).
     *
     * @param dst the buffer written
     * @param value the value every element takes
     * @param length how many elements are written, from dst's start
     */
    void fill(Buffer dst, double value, int length);

    /**
     * dst[i] = low + (high - low) * u(seed, i), where u is {@link dev.wick.core.CounterRng}'s
     * counter-based uniform in [0, 1): every backend produces the same numbers for the same seed.
     *
     * @param dst a floating buffer written
     * @param length how many elements are written; element i draws counter i
     * @param seed the generator's seed
     * @param low the lower bound, included
     * @param high the upper bound, excluded
     */
    void uniform(Buffer dst, int length, long seed, double low, double high);

    /**
     * {@link #uniform(Buffer, int, long, double, double)} with a seed read from device memory: a
     * 64-bit value (INT32 [2], low word first), from which each counter in turn derives the seed
     * used, s = CounterRng.bits(s, counter) (see {@link dev.wick.core.Seed}), so that a captured
     * step draws new numbers at every replay. The default reads the seed back to the host; a device
     * backend reads it in the kernel instead.
     *
     * @param dst a floating buffer written
     * @param length how many elements are written; element i draws counter i
     * @param seed INT32 [2]: the seed before the derivations
     * @param counters the derivations, at most {@link dev.wick.core.Seed#MAX_DERIVATIONS}
     * @param low the lower bound, included
     * @param high the upper bound, excluded
     */
    default void uniform(Buffer dst, int length, Buffer seed, long[] counters, double low, double high) {
        int[] words = new int[2];
        download(seed, words, 0, 2);
        long s = (words[0] & 0xffffffffL) | ((long) words[1] << 32);
        for (long c : counters) s = dev.wick.core.CounterRng.bits(s, c);
        uniform(dst, length, s, low, high);
    }

    /**
     * dst[i] = mean + std * n(seed, i), n being CounterRng's standard normal.
     *
     * @param dst a floating buffer written
     * @param length how many elements are written; element i draws counter i
     * @param seed the generator's seed
     * @param mean the distribution's mean
     * @param std the distribution's standard deviation
     */
    void normal(Buffer dst, int length, long seed, double mean, double std);

    // ---- embedding -----------------------------------------------------------------------------

    /**
     * Returns the position of the first index outside [0, bound) that is not equal to
     * {@code exempt}, or -1 if there is none. Pass an in-range value (0) as {@code exempt} when
     * nothing is exempt; pass the ignore index for cross-entropy targets. Waits for the device
     * (this is how indices are checked before any kernel reads them).
     *
     * @param indices the INT32 indices checked
     * @param count how many indices are checked, from the start
     * @param bound the exclusive upper bound
     * @param exempt the one value allowed outside the range
     * @return the position of the first bad index, or -1
     */
    int firstIndexOutOfRange(Buffer indices, int count, int bound, int exempt);

    /**
     * {@code out[i, :] = table[indices[i], :]} for {@code i < count}; rows have {@code rowLength} elements.
     *
     * @param table the rows, [V, rowLength]
     * @param indices INT32, [count], each in [0, V) (checked by the caller)
     * @param out the rows picked, [count, rowLength], of table's dtype
     * @param count how many rows are picked
     * @param rowLength the elements per row
     */
    void gather(Buffer table, Buffer indices, Buffer out, int count, int rowLength);

    /**
     * {@code table[indices[i], :] += src[i, :]} for {@code i < count}: repeated indices accumulate (the embedding
     * backward). Rows whose index equals {@code skipIndex} are skipped (a padding row; pass -1 for
     * none).
     *
     * @param table the rows added into, [V, rowLength]
     * @param indices INT32, [count], each in [0, V) or equal to skipIndex (checked by the caller)
     * @param src the rows added, [count, rowLength], of table's dtype
     * @param count how many rows are added
     * @param rowLength the elements per row
     * @param skipIndex the index whose rows are skipped, or -1 for none
     * @param mode whether repeated indices may be added in any order (ATOMIC) or in index order
     *     (DETERMINISTIC)
     */
    void scatterAdd(Buffer table, Buffer indices, Buffer src, int count, int rowLength, int skipIndex,
                    ScatterMode mode);

    // ---- linear algebra ------------------------------------------------------------------------

    /**
     * C = alpha * op(A) * op(B) + beta * C, C being m x n. op(A) is m x k: A is stored m x k, or
     * k x m when {@code transA}. op(B) is k x n: B is stored k x n, or n x k when {@code transB}.
     * When beta == 0, C's previous contents are ignored (NaN included). C must not alias A or B.
     *
     * @param transA whether A is stored transposed (k x m)
     * @param transB whether B is stored transposed (n x k)
     * @param m the rows of op(A) and C
     * @param n the columns of op(B) and C
     * @param k the inner dimension
     * @param alpha the product's scale
     * @param a matrix A
     * @param b matrix B
     * @param beta C's scale before the product is added; 0 ignores C's contents
     * @param c matrix C, m x n, read (unless beta is 0) and written
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              double alpha, Buffer a, Buffer b, double beta, Buffer c);

    // ---- the op families -----------------------------------------------------------------------

    /**
     * {@code y[i] = op(x[i])} for {@code i < length}; y may be x (exactly, not a shifted view).
     *
     * @param op the table's entry
     * @param x the input, floating
     * @param y the output, of x's dtype
     * @param length the number of elements
     */
    void unary(UnaryOp op, Buffer x, Buffer y, int length);

    /**
     * out[p] = op(a[layout.firstOffset(p)], b[layout.secondOffset(p)]) for every position p of the
     * walk, out being contiguous over {@code layout.dims()} (numpy broadcasting: a stride is 0 where
     * an operand is stretched). out may be a or b only where that operand is walked contiguously.
     *
     * @param op the table's entry
     * @param a the first operand, floating
     * @param b the second operand, of a's dtype
     * @param out the result, of a's dtype, {@code layout.numel()} elements
     * @param layout the broadcast walk: the output's dimensions and each operand's strides
     */
    void binary(BinaryOp op, Buffer a, Buffer b, Buffer out, Strides layout);

    /**
     * out[i] = op(a[i], scalar), or op(scalar, a[i]) when {@code scalarFirst}, for {@code i < length}; the
     * scalar is first converted to the buffers' dtype. out may be a.
     *
     * @param op the table's entry
     * @param a the tensor operand, floating
     * @param scalar the scalar operand
     * @param scalarFirst whether the scalar is the op's first operand
     * @param out the result, of a's dtype
     * @param length the number of elements
     */
    void binaryScalar(BinaryOp op, Buffer a, double scalar, boolean scalarFirst, Buffer out, int length);

    /**
     * Reduces x, seen as [outer, n, inner], along its middle axis into out [outer, inner]: out has
     * x's dtype, or INT32 for an {@link ReduceOp#indexResult()} op. For a SELECT op, n must be at
     * least 1 (the caller refuses an empty axis). out must not alias x.
     *
     * @param op the table's entry
     * @param x the input, floating, outer * n * inner elements
     * @param out the result, outer * inner elements
     * @param outer the product of the dimensions before the axis
     * @param n the axis's length
     * @param inner the product of the dimensions after the axis
     */
    void reduce(ReduceOp op, Buffer x, Buffer out, int outer, int n, int inner);

    /**
     * dst[layout.secondOffset(p)] = src[layout.firstOffset(p)] for every position p of the walk: a
     * transpose, a slice along any axis, a broadcast, a part of a concatenation. Any dtype (both the
     * same); src and dst must not overlap.
     *
     * @param src the buffer read
     * @param dst the buffer written, of src's dtype
     * @param layout the walk: its dimensions, src's strides (first) and dst's strides (second)
     */
    void copyStrided(Buffer src, Buffer dst, Strides layout);

    // ---- activations -------------------------------------------------------------------------

    /**
     * dx = dy * (1 - y^2), or dx += that when {@code accumulate}; y is tanh's saved output. dx may
     * be dy (the RNN backward turns its gradient buffer into the pre-activation gradient in place).
     *
     * @param y tanh's output
     * @param dy the gradient reaching y
     * @param dx the gradient of tanh's input, written or added into
     * @param length the number of elements
     * @param accumulate whether dx is added into instead of written
     */
    void tanhBackward(Buffer y, Buffer dy, Buffer dx, int length, boolean accumulate);

    // ---- recurrent cells: one timestep's pointwise part (the GEMMs run outside) -----------------

    /**
     * An LSTM timestep, PyTorch's gate order i, f, g, o. {@code gates} [batch, 4H] holds the
     * pre-activations x W_ih^T + b_ih + h W_hh^T + b_hh and is overwritten with the activations
     * i = sigmoid, f = sigmoid, g = tanh, o = sigmoid, which the backward reads. Writes
     * c = f * cPrev + i * g and h = o * tanh(c), all [batch, H]. c and h must not alias gates or cPrev.
     *
     * @param gates [batch, 4H]: the pre-activations on entry, the activations on return
     * @param cPrev the previous cell state, [batch, H]
     * @param c the new cell state, [batch, H], written
     * @param h the new hidden state, [batch, H], written
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    void lstmCellForward(Buffer gates, Buffer cPrev, Buffer c, Buffer h, int batch, int hidden);

    /**
     * The backward of {@link #lstmCellForward} at one timestep. {@code gates} holds the saved
     * activations, {@code c} the saved cell state, {@code dh} the gradient reaching h. On entry
     * {@code dc} is the gradient reaching c from the next timestep; on return it is the gradient of
     * cPrev: with dcTotal = dc + dh * o * (1 - tanh(c)^2), dGates = [dcTotal g i (1 - i),
     * dcTotal cPrev f (1 - f), dcTotal i (1 - g^2), dh tanh(c) o (1 - o)] (pre-activation) and
     * dc = dcTotal * f. dGates may be gates (exactly); no other aliasing.
     *
     * @param gates the saved activations, [batch, 4H]
     * @param cPrev the previous cell state, [batch, H]
     * @param c the saved cell state, [batch, H]
     * @param dh the gradient reaching h, [batch, H]
     * @param dc [batch, H]: the gradient reaching c on entry, cPrev's on return
     * @param dGates the pre-activation gradients, [batch, 4H], written
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    void lstmCellBackward(Buffer gates, Buffer cPrev, Buffer c, Buffer dh, Buffer dc, Buffer dGates,
                          int batch, int hidden);

    /**
     * A GRU timestep, PyTorch's gate order r, z, n. {@code gi} [batch, 3H] holds x W_ih^T + b_ih and
     * is overwritten with the activations r, z, n; {@code gh} [batch, 3H] holds hPrev W_hh^T + b_hh
     * (read only: the backward needs its n part). r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z),
     * n = tanh(gi_n + r gh_n), h = (1 - z) n + z hPrev. h must not alias the others.
     *
     * @param gi [batch, 3H]: the input projection on entry, the activations r, z, n on return
     * @param gh the hidden projection, [batch, 3H], read only
     * @param hPrev the previous hidden state, [batch, H]
     * @param h the new hidden state, [batch, H], written
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    void gruCellForward(Buffer gi, Buffer gh, Buffer hPrev, Buffer h, int batch, int hidden);

    /**
     * The backward of {@link #gruCellForward}: {@code gates} holds the saved r, z, n and {@code gh}
     * the saved hidden projection; dh is the gradient reaching h. Writes the pre-activation
     * gradients dGi = [dr', dz', dn'] and dGh = [dr', dz', dn' r] (dn' = dh (1 - z)(1 - n^2),
     * dz' = dh (hPrev - n) z (1 - z), dr' = dn' gh_n r (1 - r)), and adds dh z into dhPrev (the
     * rest of hPrev's gradient is dGh W_hh, a GEMM). dGi may be gates (exactly); no other aliasing.
     *
     * @param gates the saved activations r, z, n, [batch, 3H]
     * @param gh the saved hidden projection, [batch, 3H]
     * @param hPrev the previous hidden state, [batch, H]
     * @param dh the gradient reaching h, [batch, H]
     * @param dGi the input projection's gradient, [batch, 3H], written
     * @param dGh the hidden projection's gradient, [batch, 3H], written
     * @param dhPrev hPrev's gradient, [batch, H], added into
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    void gruCellBackward(Buffer gates, Buffer gh, Buffer hPrev, Buffer dh, Buffer dGi, Buffer dGh, Buffer dhPrev,
                         int batch, int hidden);

    // ---- recurrent layers: every timestep of one layer in one call -------------------------------

    /**
     * A new buffer holding the transpose, [cols, rows], of a row-major [rows, cols] matrix: the
     * step-by-step recurrences copy the recurrent weight once per sequence so that every step's
     * product reads it row-major. The caller releases it.
     *
     * @param matrix the matrix, row-major [rows, cols]
     * @param rows its rows
     * @param cols its columns
     * @return an owning buffer of rows * cols elements
     */
    default Buffer transposed(Buffer matrix, int rows, int cols) {
        Buffer t = allocate(matrix.dtype(), rows * cols);
        copyStrided(matrix, t, Strides.transpose(rows, cols));
        return t;
    }

    /**
     * The recurrence of a tanh RNN layer over {@code steps} timesteps, time-major: for t = 0 .. T - 1,
     * h_t = tanh(h_t + h_{t-1} whh^T), where h holds the input projections and bias on entry and
     * h_{-1} = hInit (null: zeros, and the first step's product is skipped). The default runs one
     * gemm and one tanh per step, on one {@link #transposed} copy of whh; a backend may run it its
     * own way as {@link #lstmSequenceForward} says.
     *
     * @param h [T, B, H]: the pre-activations without the recurrent term on entry, the hidden states on return
     * @param whh the recurrent weight as the layer stores it, [H, H] (the backend transposes or packs
     *     it as its products need)
     * @param hInit the initial hidden state, [B, H], or null for zeros
     * @param steps T, at least 1
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    default void rnnTanhSequenceForward(Buffer h, Buffer whh, Buffer hInit, int steps, int batch, int hidden) {
        int state = batch * hidden;
        Buffer whhT = transposed(whh, hidden, hidden);
        try {
            for (int t = 0; t < steps; t++) {
                Buffer ht = h.slice(t * state, state);
                if (t > 0 || hInit != null) {
                    gemm(false, false, batch, hidden, hidden, 1.0, t > 0 ? h.slice((t - 1) * state, state) : hInit, whhT,
                            1.0, ht);
                }
                unary(UnaryOp.TANH, ht, ht, state);
            }
        } finally {
            release(whhT);
        }
    }

    /**
     * The backward of {@link #rnnTanhSequenceForward}: for t = T - 1 .. 0, dh_t = dh_t (1 - h_t^2)
     * in place ({@link #tanhBackward}), then, for t above 0, dh_{t-1} += dh_t whh. On return dh holds
     * the pre-activation gradients; hInit's gradient and the weight gradients are left to the caller.
     *
     * @param h the saved hidden states, [T, B, H]
     * @param whh the recurrent weight, [H, H]
     * @param dh [T, B, H]: the gradients reaching each h_t from outside the layer on entry, the
     *     pre-activation gradients on return
     * @param steps T, at least 1
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    default void rnnTanhSequenceBackward(Buffer h, Buffer whh, Buffer dh, int steps, int batch, int hidden) {
        int state = batch * hidden;
        for (int t = steps - 1; t >= 0; t--) {
            Buffer g = dh.slice(t * state, state);
            tanhBackward(h.slice(t * state, state), g, g, state, false);
            if (t > 0) gemm(false, false, batch, hidden, hidden, 1.0, g, whh, 1.0, dh.slice((t - 1) * state, state));
        }
    }

    /**
     * The recurrence of an LSTM layer over {@code steps} timesteps, all tensors time-major. For
     * t = 0 .. T - 1: gates_t += h_{t-1} whh^T, then {@link #lstmCellForward}(gates_t, c_{t-1}, c_t,
     * h_t), where h_{-1} = hInit and c_{-1} = cInit. The default does exactly that, one gemm and one
     * cell call per step, on one {@link #transposed} copy of whh. A backend may run the sequence its
     * own way (the rows of a batch never meet, so a thread can own some rows for every step; the
     * weight may be rearranged for its products) if each element sees the same operations.
     *
     * @param gates [T, B, 4H]: the input projection and biases on entry, the activations on return
     * @param whh the recurrent weight as the layer stores it, [4H, H] (as the backward takes it)
     * @param hInit the initial hidden state, [B, H]
     * @param hInitZero whether hInit holds zeros: the first step's product is then skipped
     * @param cInit the initial cell state, [B, H]
     * @param c the cell states, [T, B, H], written
     * @param h the hidden states, [T, B, H], written
     * @param steps T, at least 1
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    default void lstmSequenceForward(Buffer gates, Buffer whh, Buffer hInit, boolean hInitZero, Buffer cInit, Buffer c,
                                     Buffer h, int steps, int batch, int hidden) {
        int state = batch * hidden, width = 4 * state;
        Buffer whhT = transposed(whh, 4 * hidden, hidden);
        try {
            for (int t = 0; t < steps; t++) {
                Buffer g = gates.slice(t * width, width);
                if (t > 0 || !hInitZero) {
                    gemm(false, false, batch, 4 * hidden, hidden, 1.0, t > 0 ? h.slice((t - 1) * state, state) : hInit,
                            whhT, 1.0, g);
                }
                lstmCellForward(g, t > 0 ? c.slice((t - 1) * state, state) : cInit, c.slice(t * state, state),
                        h.slice(t * state, state), batch, hidden);
            }
        } finally {
            release(whhT);
        }
    }

    /**
     * The backward of {@link #lstmSequenceForward}. For t = T - 1 .. 0: {@link #lstmCellBackward}(gates_t,
     * c_{t-1}, c_t, dh_t, dc, dGates_t), then, for t above 0, dh_{t-1} += dGates_t whh. On return dh_t
     * holds the whole gradient reaching h_t and dc the gradient of cInit; the initial state's
     * recurrent gradient, dGates_0 whh, and the weight gradients are left to the caller.
     *
     * @param gates the saved activations, [T, B, 4H]
     * @param whh the recurrent weight, [4H, H]
     * @param cInit the initial cell state, [B, H]
     * @param c the saved cell states, [T, B, H]
     * @param dh [T, B, H]: the gradients reaching each h_t from outside the layer; the recurrent
     *     part is added in
     * @param dc [B, H]: the gradient reaching the last cell state on entry, cInit's on return
     * @param dGates the pre-activation gradients, [T, B, 4H], written (may be gates, exactly)
     * @param steps T, at least 1
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    default void lstmSequenceBackward(Buffer gates, Buffer whh, Buffer cInit, Buffer c, Buffer dh, Buffer dc,
                                      Buffer dGates, int steps, int batch, int hidden) {
        int state = batch * hidden, width = 4 * state;
        for (int t = steps - 1; t >= 0; t--) {
            Buffer dg = dGates.slice(t * width, width);
            lstmCellBackward(gates.slice(t * width, width), t > 0 ? c.slice((t - 1) * state, state) : cInit,
                    c.slice(t * state, state), dh.slice(t * state, state), dc, dg, batch, hidden);
            if (t > 0) gemm(false, false, batch, hidden, 4 * hidden, 1.0, dg, whh, 1.0, dh.slice((t - 1) * state, state));
        }
    }

    /**
     * The recurrence of a GRU layer over {@code steps} timesteps, all tensors time-major. For
     * t = 0 .. T - 1: gh_t += h_{t-1} whh^T, then {@link #gruCellForward}(gi_t, gh_t, h_{t-1}, h_t),
     * where h_{-1} = hInit. The default does exactly that; a backend may run it its own way as
     * {@link #lstmSequenceForward} says.
     *
     * @param gi [T, B, 3H]: the input projection and b_ih on entry, the activations r, z, n on return
     * @param gh [T, B, 3H]: b_hh on entry, the hidden projection on return
     * @param whh the recurrent weight as the layer stores it, [3H, H]
     * @param hInit the initial hidden state, [B, H]
     * @param hInitZero whether hInit holds zeros: the first step's product is then skipped
     * @param h the hidden states, [T, B, H], written
     * @param steps T, at least 1
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    default void gruSequenceForward(Buffer gi, Buffer gh, Buffer whh, Buffer hInit, boolean hInitZero, Buffer h,
                                    int steps, int batch, int hidden) {
        int state = batch * hidden, width = 3 * state;
        Buffer whhT = transposed(whh, 3 * hidden, hidden);
        try {
            for (int t = 0; t < steps; t++) {
                Buffer k = gh.slice(t * width, width), prev = t > 0 ? h.slice((t - 1) * state, state) : hInit;
                if (t > 0 || !hInitZero) gemm(false, false, batch, 3 * hidden, hidden, 1.0, prev, whhT, 1.0, k);
                gruCellForward(gi.slice(t * width, width), k, prev, h.slice(t * state, state), batch, hidden);
            }
        } finally {
            release(whhT);
        }
    }

    /**
     * The backward of {@link #gruSequenceForward}. For t = T - 1 .. 0: {@link #gruCellBackward}(gates_t,
     * gh_t, h_{t-1}, dh_t, dGi_t, dGh_t, dh_{t-1}), then, for t above 0, dh_{t-1} += dGh_t whh; at
     * t = 0 the cell adds into dhInit instead. The initial state's recurrent gradient, dGh_0 whh,
     * and the weight gradients are left to the caller.
     *
     * @param gates the saved activations r, z, n, [T, B, 3H]
     * @param gh the saved hidden projections, [T, B, 3H]
     * @param whh the recurrent weight, [3H, H]
     * @param hInit the initial hidden state, [B, H]
     * @param h the saved hidden states, [T, B, H]
     * @param dh [T, B, H]: the gradients reaching each h_t from outside the layer; the recurrent
     *     part is added in
     * @param dGi the input projection's gradients, [T, B, 3H], written (may be gates, exactly)
     * @param dGh the hidden projection's gradients, [T, B, 3H], written
     * @param dhInit [B, H]: added into (the direct part of hInit's gradient)
     * @param steps T, at least 1
     * @param batch the rows B
     * @param hidden the hidden size H
     */
    default void gruSequenceBackward(Buffer gates, Buffer gh, Buffer whh, Buffer hInit, Buffer h, Buffer dh, Buffer dGi,
                                     Buffer dGh, Buffer dhInit, int steps, int batch, int hidden) {
        int state = batch * hidden, width = 3 * state;
        for (int t = steps - 1; t >= 0; t--) {
            Buffer dk = dGh.slice(t * width, width);
            Buffer dPrev = t > 0 ? dh.slice((t - 1) * state, state) : dhInit;
            gruCellBackward(gates.slice(t * width, width), gh.slice(t * width, width),
                    t > 0 ? h.slice((t - 1) * state, state) : hInit, dh.slice(t * state, state), dGi.slice(t * width, width),
                    dk, dPrev, batch, hidden);
            if (t > 0) gemm(false, false, batch, hidden, 3 * hidden, 1.0, dk, whh, 1.0, dPrev);
        }
    }

    // ---- loss ----------------------------------------------------------------------------------

    /**
     * Fused softmax cross-entropy over {@code rows} rows of {@code cols} logits. For each row r
     * whose target t_r != ignoreIndex: loss_r = logsumexp(x_r) - x_r[t_r] (never -log p). Writes
     * loss[0] = mean of loss_r over those rows (NaN when there are none, as in PyTorch), and
     * dLogits[r, :] = (softmax(x_r) - onehot(t_r)) / count, zero for ignored rows. Targets are
     * checked by the caller to lie in [0, cols) or equal ignoreIndex.
     *
     * @param logits the scores, [rows, cols], floating
     * @param targets the classes, INT32 [rows]
     * @param rows the number of rows N
     * @param cols the number of classes C
     * @param ignoreIndex the target value whose rows count for nothing
     * @param loss one element, written with the mean loss
     * @param dLogits the loss's gradient, [rows, cols], written
     */
    void softmaxCrossEntropy(Buffer logits, Buffer targets, int rows, int cols, int ignoreIndex,
                             Buffer loss, Buffer dLogits);

    // ---- in-place updates ----------------------------------------------------------------------

    /**
     * y += alpha * x (gradient accumulation; the fused step of several optimizers).
     *
     * @param alpha the scale of x
     * @param x the buffer added
     * @param y the buffer added into, of x's dtype
     * @param length the number of elements
     */
    void axpy(double alpha, Buffer x, Buffer y, int length);

    // ---- reductions (result stays on the device, in out[0]) -------------------------------------

    /**
     * out[0] = sum of x[i]^2 (for global-norm gradient clipping).
     *
     * @param x the floating buffer read
     * @param out one element of x's dtype, written
     * @param length the number of elements of x summed
     */
    void squaredNorm(Buffer x, Buffer out, int length);

    // ---- row-sparse gradients ----------------------------------------------------------------
    // A row-sparse gradient of a [V, D] table is (rows, values, nnz) padded to the number of
    // lookups: its length never depends on the data, so nothing waits for the device to learn how
    // many rows a batch touched. Every consumer skips the padding (rows of -1, values of 0).

    /**
     * Coalesces {@code count} rows of {@code src} ({@code rowLength} elements each) by their index,
     * skipping those equal to {@code skipIndex} (-1 for none): rows[q] for q &lt; u gets the u
     * distinct indices, ascending, and values[q, :] the sum of src[i, :] over the i with
     * indices[i] == rows[q], added in ascending i onto +0 (the order of the CPU's scatterAdd, so
     * the result is the same bits run after run); for u &lt;= q &lt; count, rows[q] = -1 and
     * values[q, :] = 0. nnz[0] = u (INT32). Indices are checked by the caller (in range, or equal
     * to skipIndex). rows, values and nnz must not alias the inputs.
     *
     * @param indices the row of each source row, INT32 [count]
     * @param src the source rows, [count, rowLength]
     * @param count the number of source rows (and the result's capacity)
     * @param rowLength the elements per row
     * @param skipIndex the index whose rows are left out, or -1 for none
     * @param rows the distinct indices, INT32 [count], written (padded with -1)
     * @param values the summed rows, [count, rowLength] of src's dtype, written (padded with 0)
     * @param nnz one INT32 element, written with the number of distinct rows
     */
    void coalesceRows(Buffer indices, Buffer src, int count, int rowLength, int skipIndex,
                      Buffer rows, Buffer values, Buffer nnz);

    /**
     * SGD on the rows a coalesced gradient touches: for every q &lt; capacity with rows[q] &gt;= 0
     * (distinct rows), g = values[q, :] + weightDecay * param[rows[q], :] and
     * param[rows[q], :] -= lr * g. Other rows are not touched.
     *
     * @param param the table updated, [V, rowLength]
     * @param rows a coalesced gradient's rows, INT32 [capacity], -1 for padding
     * @param values its summed rows, [capacity, rowLength]
     * @param capacity the coalesced gradient's length
     * @param rowLength the elements per row
     * @param lr FLOAT64 [1]: the learning rate (see the optimizers' section below)
     * @param weightDecay the L2 factor added to the gradient (0 for none)
     */
    void sparseSgdUpdate(Buffer param, Buffer rows, Buffer values, int capacity, int rowLength,
                         Buffer lr, double weightDecay);

    /**
     * {@link #sparseSgdUpdate(Buffer, Buffer, Buffer, int, int, Buffer, double)} with the learning
     * rate given by value.
     *
     * @param param the table updated, [V, rowLength]
     * @param rows a coalesced gradient's rows, INT32 [capacity], -1 for padding
     * @param values its summed rows, [capacity, rowLength]
     * @param capacity the coalesced gradient's length
     * @param rowLength the elements per row
     * @param lr the learning rate
     * @param weightDecay the L2 factor added to the gradient (0 for none)
     */
    default void sparseSgdUpdate(Buffer param, Buffer rows, Buffer values, int capacity, int rowLength,
                                 double lr, double weightDecay) {
        Buffer scalars = stepScalars(lr);
        try {
            sparseSgdUpdate(param, rows, values, capacity, rowLength, scalars, weightDecay);
        } finally {
            release(scalars);
        }
    }

    /**
     * Lazy Adam (PyTorch's SparseAdam) on the rows a coalesced gradient touches: for every
     * q &lt; capacity with r = rows[q] &gt;= 0 (distinct rows), {@link #adamUpdate}'s step without
     * weight decay on param[r, :], m[r, :] and v[r, :] with g = values[q, :]; the moments of other
     * rows are left as they are. step (from 1) is the optimizer's one counter.
     *
     * @param param the table updated, [V, rowLength]
     * @param rows a coalesced gradient's rows, INT32 [capacity], -1 for padding
     * @param values its summed rows, [capacity, rowLength]
     * @param m the first moments, like param, updated on the touched rows
     * @param v the second moments, like param, updated on the touched rows
     * @param capacity the coalesced gradient's length
     * @param rowLength the elements per row
     * @param scalars FLOAT64 [3]: lr and the two bias corrections, as {@link #adamScalars} computes them
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps the term added to the denominator
     */
    void sparseAdamUpdate(Buffer param, Buffer rows, Buffer values, Buffer m, Buffer v, int capacity, int rowLength,
                          Buffer scalars, double beta1, double beta2, double eps);

    /**
     * {@link #sparseAdamUpdate(Buffer, Buffer, Buffer, Buffer, Buffer, int, int, Buffer, double,
     * double, double)} with the learning rate and the step number given by value.
     *
     * @param param the table updated, [V, rowLength]
     * @param rows a coalesced gradient's rows, INT32 [capacity], -1 for padding
     * @param values its summed rows, [capacity, rowLength]
     * @param m the first moments, like param, updated on the touched rows
     * @param v the second moments, like param, updated on the touched rows
     * @param capacity the coalesced gradient's length
     * @param rowLength the elements per row
     * @param lr the learning rate
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps the term added to the denominator
     * @param step the step number, from 1, for the bias correction
     */
    default void sparseAdamUpdate(Buffer param, Buffer rows, Buffer values, Buffer m, Buffer v, int capacity,
                                  int rowLength, double lr, double beta1, double beta2, double eps, int step) {
        Buffer scalars = stepScalars(adamScalars(lr, beta1, beta2, step));
        try {
            sparseAdamUpdate(param, rows, values, m, v, capacity, rowLength, scalars, beta1, beta2, eps);
        } finally {
            release(scalars);
        }
    }

    // ---- optimizers, in place -----------------------------------------------------------------
    // The scalars that change from step to step (the learning rate, Adam's bias corrections) come
    // in a FLOAT64 buffer on this backend's device, which the host writes before the step: the
    // kernels read them there, so a step captured once as a device graph replays with each step's
    // values. The overloads taking them by value write such a buffer and call those.

    /**
     * SGD: g = grad + weightDecay * param; with momentum (velocity != null):
     * velocity = momentum * velocity + g, param -= lr * velocity; without: param -= lr * g.
     *
     * @param param the parameter updated in place
     * @param grad its gradient, of param's dtype
     * @param velocity the momentum buffer, updated in place, or null for no momentum
     * @param length the number of elements
     * @param lr FLOAT64 [1]: the learning rate, rounded to param's dtype as it is read
     * @param momentum the velocity's decay (ignored without a velocity)
     * @param weightDecay the L2 factor added to the gradient (0 for none)
     */
    void sgdUpdate(Buffer param, Buffer grad, Buffer velocity, int length,
                   Buffer lr, double momentum, double weightDecay);

    /**
     * {@link #sgdUpdate(Buffer, Buffer, Buffer, int, Buffer, double, double)} with the learning rate
     * given by value.
     *
     * @param param the parameter updated in place
     * @param grad its gradient, of param's dtype
     * @param velocity the momentum buffer, updated in place, or null for no momentum
     * @param length the number of elements
     * @param lr the learning rate
     * @param momentum the velocity's decay (ignored without a velocity)
     * @param weightDecay the L2 factor added to the gradient (0 for none)
     */
    default void sgdUpdate(Buffer param, Buffer grad, Buffer velocity, int length,
                           double lr, double momentum, double weightDecay) {
        Buffer scalars = stepScalars(lr);
        try {
            sgdUpdate(param, grad, velocity, length, scalars, momentum, weightDecay);
        } finally {
            release(scalars); // in stream order: the update queued above has read it first
        }
    }

    /**
     * Adam (Kingma and Ba, with PyTorch's bias correction and L2 weight decay added to the gradient):
     * g = grad + weightDecay * param; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * param -= lr * (m / bc1) / (sqrt(v / bc2) + eps), where bc1 = 1 - b1^step and
     * bc2 = 1 - b2^step (step from 1), computed in double by the host.
     *
     * @param param the parameter updated in place
     * @param grad its gradient, of param's dtype
     * @param m the first moments, updated in place
     * @param v the second moments, updated in place
     * @param length the number of elements
     * @param scalars FLOAT64 [3]: lr, bc1, bc2, each rounded to param's dtype as it is read
     * @param beta1 the first moment's decay b1
     * @param beta2 the second moment's decay b2
     * @param eps the term added to the denominator
     * @param weightDecay the L2 factor added to the gradient (0 for none)
     */
    void adamUpdate(Buffer param, Buffer grad, Buffer m, Buffer v, int length,
                    Buffer scalars, double beta1, double beta2, double eps, double weightDecay);

    /**
     * {@link #adamUpdate(Buffer, Buffer, Buffer, Buffer, int, Buffer, double, double, double, double)}
     * with the learning rate and the step number given by value.
     *
     * @param param the parameter updated in place
     * @param grad its gradient, of param's dtype
     * @param m the first moments, updated in place
     * @param v the second moments, updated in place
     * @param length the number of elements
     * @param lr the learning rate
     * @param beta1 the first moment's decay b1
     * @param beta2 the second moment's decay b2
     * @param eps the term added to the denominator
     * @param weightDecay the L2 factor added to the gradient (0 for none)
     * @param step the step number, from 1, for the bias correction
     */
    default void adamUpdate(Buffer param, Buffer grad, Buffer m, Buffer v, int length,
                            double lr, double beta1, double beta2, double eps, double weightDecay, int step) {
        Buffer scalars = stepScalars(adamScalars(lr, beta1, beta2, step));
        try {
            adamUpdate(param, grad, m, v, length, scalars, beta1, beta2, eps, weightDecay);
        } finally {
            release(scalars);
        }
    }

    /**
     * Adam's per-step scalars as {@link #adamUpdate(Buffer, Buffer, Buffer, Buffer, int, Buffer,
     * double, double, double, double)} reads them: lr, 1 - beta1^step, 1 - beta2^step.
     *
     * @param lr the learning rate
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param step the step number, from 1
     * @return a new array of three
     */
    static double[] adamScalars(double lr, double beta1, double beta2, int step) {
        return new double[]{lr, 1 - Math.pow(beta1, step), 1 - Math.pow(beta2, step)};
    }

    private Buffer stepScalars(double... values) {
        Buffer b = allocate(dev.wick.core.DType.FLOAT64, values.length);
        upload(values, 0, b, values.length);
        return b;
    }

    // ---- device graphs -------------------------------------------------------------------------

    /**
     * Captures the device work that {@code work} queues on this backend into a graph that replays
     * it, or throws UnsupportedOperationException where this backend has no graphs (the CPU).
     * Inside {@code work} nothing may wait for the device or move data between host and device;
     * memory allocated there is kept for the graph until it is closed. See
     * {@link dev.wick.core.Engine#captureGraph}.
     *
     * @param work queues the work, on the calling thread
     * @return the graph, owned by the caller
     */
    default DeviceGraph capture(Runnable work) {
        throw new UnsupportedOperationException(device() + " runs every call eagerly: it has no device graphs");
    }

    /**
     * Whether {@link #capture} works here.
     *
     * @return true where it does
     */
    default boolean capturesGraphs() {
        return false;
    }

    /** Frees everything this backend holds. Buffers are invalid afterwards. */
    @Override
    void close();
}
