package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Shape;
import dev.wick.core.SparseRows;
import dev.wick.core.Tensor;

/**
 * A tensor value in a differentiable computation, with the gradient that {@link Tape#backward}
 * accumulates into it. Parameters ({@link #parameter}) own a zero-filled gradient from birth, so
 * they can live across many steps (create them outside per-step scopes); results of {@link F}'s
 * functions get a gradient only for the duration of a backward pass.
 *
 * <p>Gradients accumulate: every backward adds its contributions to what the gradient holds, until
 * {@link #zeroGrad()}. That reset is lazy: the next backward's first contribution is written over
 * the stale memory instead of added to zeros, and {@link #grad()} shows zeros if read before then.
 *
 * <p>A gradient may also be row-sparse ({@link #sparseGrad()}): what {@link F#embedding(Variable,
 * Tensor, int, boolean)} gives its table when asked, the distinct rows a batch looked up and their
 * summed gradients. It stays sparse while only sparse contributions arrive (two are coalesced into
 * one); a dense contribution turns the whole gradient dense, the sparse part added in, as PyTorch
 * does when they mix. {@link #zeroGrad()} then drops the sparse part instead of filling V x D zeros.
 */
public final class Variable implements AutoCloseable {
    private final Tensor value;
    private final boolean requiresGrad;
    private final boolean leaf;
    private final String name;
    private Tensor grad;
    /**
     * The row-sparse gradient, or null. Never held together with a live dense gradient: one that
     * arrives while the dense one holds values is added into it.
     */
    private SparseRows sparseGrad;
    /** A parameter's gradients (dense and sparse) belong to it, outside every memory scope. */
    private final boolean parameter;
    /**
     * A {@link #requiringGrad} leaf: its gradient belongs to the memory scope of the step that
     * made it, and when that scope has closed it, the next backward starts a new one.
     */
    private final boolean gradPerScope;
    /**
     * zeroGrad() was called and nothing has been added since: the gradient's memory is stale and
     * stands for zeros. The next contribution overwrites it (one pass over the gradient instead of a
     * fill, a read and a write), and {@link #grad()} clears it if it is read first.
     */
    private boolean gradPendingZero;

    private Variable(Tensor value, boolean requiresGrad, boolean leaf, String name, boolean gradFromBirth) {
        this(value, requiresGrad, leaf, name, gradFromBirth, gradFromBirth);
    }

    private Variable(Tensor value, boolean requiresGrad, boolean leaf, String name, boolean gradFromBirth,
                     boolean parameter) {
        if (value == null) throw new IllegalArgumentException("value must not be null");
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.leaf = leaf;
        this.name = name;
        this.parameter = parameter;
        this.gradPerScope = leaf && requiresGrad && !parameter;
        if (gradFromBirth) {
            this.grad = value.engine().zeros(value.dtype(), value.shape());
            // No backward has contributed yet: the first contribution is stored, not added, and a
            // row-sparse one stays sparse instead of being added into these zeros.
            this.gradPendingZero = true;
        }
    }

    /**
     * A value that takes no gradient (inputs, targets, a detached hidden state).
     *
     * @param value the tensor held (not copied)
     * @return the variable
     */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, true, null, false);
    }

    /**
     * A leaf that takes a gradient but owns none yet: the first backward that reaches it allocates
     * one (or takes over a contribution it can use as is) in the memory scope open around the
     * forward and backward, and later backwards in that scope add into it; once the scope closes,
     * the gradient goes with it and the next backward starts afresh. For gradients with respect to inputs
     * (PyTorch's {@code requires_grad_()} on a fresh tensor); trainable weights, which keep their
     * gradient across steps, are {@link #parameter}s.
     *
     * @param value the tensor held (not copied)
     * @return the variable
     */
    public static Variable requiringGrad(Tensor value) {
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("a gradient needs a floating value, got " + value.dtype());
        }
        return new Variable(value, true, true, null, false);
    }

    /**
     * A trainable value: its gradient (same shape and dtype, zeros) is allocated now, in the
     * current scope.
     *
     * @param name the parameter's name (checkpoints and messages use it)
     * @param value the tensor held (not copied)
     * @return the variable
     */
    public static Variable parameter(String name, Tensor value) {
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("a parameter must be floating, got " + value.dtype());
        }
        return new Variable(value, true, true, name, true);
    }

    /**
     * A trainable value whose gradient is allocated when a backward first reaches it rather than
     * now, and then kept across steps like any parameter's: for a table whose gradient is usually
     * row-sparse (an {@link dev.wick.autograd.nn.Embedding} with sparse gradients), which would
     * otherwise hold a dense V x D gradient it never uses. A dense contribution (a tied output
     * layer, say) allocates the dense gradient then.
     *
     * @param name the parameter's name (checkpoints and messages use it)
     * @param value the table held (not copied), [V, D]
     * @return the variable
     */
    public static Variable sparseParameter(String name, Tensor value) {
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("a parameter must be floating, got " + value.dtype());
        }
        return new Variable(value, true, true, name, false, true);
    }

    /** The result of a recorded op: needs a gradient during backward only. */
    static Variable intermediate(Tensor value) {
        return new Variable(value, true, false, null, false);
    }

    /**
     * The tensor this variable holds.
     *
     * @return the tensor, not a copy
     */
    public Tensor value() {
        return value;
    }

    /**
     * The accumulated gradient; null for a value that takes none, for an intermediate outside
     * backward, for a {@link #requiringGrad} leaf before its first backward, and for a
     * {@link #sparseParameter} no backward has reached. IllegalStateException while the gradient
     * is row-sparse ({@link #hasSparseGrad()}): read it with {@link #sparseGrad()}, whose
     * {@code toDense()} gives a dense copy.
     *
     * @return the gradient tensor, owned by this variable, or null
     */
    public Tensor grad() {
        dropClosedGrad();
        if (sparseGrad != null) {
            throw new IllegalStateException(this + " holds a row-sparse gradient: read it with sparseGrad()"
                    + " (sparseGrad().toDense() for a dense copy)");
        }
        settleGrad();
        return grad;
    }

    /**
     * The row-sparse gradient (distinct rows, ascending, with their summed gradients; see
     * {@link SparseRows}), or null while the gradient is dense or absent. It belongs to this
     * variable: {@link #zeroGrad()} and the next contribution may close it.
     *
     * @return the row-sparse gradient, or null
     */
    public SparseRows sparseGrad() {
        dropClosedGrad();
        return sparseGrad;
    }

    /**
     * Whether the gradient is row-sparse now (then {@link #grad()} refuses and {@link
     * #sparseGrad()} has it).
     *
     * @return true while row-sparse
     */
    public boolean hasSparseGrad() {
        return sparseGrad() != null;
    }

    /**
     * Whether a gradient holds contributions: a backward reached this variable (dense or
     * row-sparse) since it was made or since the last {@link #zeroGrad()}.
     *
     * @return true when a backward contributed
     */
    public boolean hasGrad() {
        dropClosedGrad();
        return sparseGrad != null || (grad != null && !gradPendingZero);
    }

    /**
     * Whether this is a trainable parameter ({@link #parameter} or {@link #sparseParameter}),
     * whose gradient lives across steps.
     *
     * @return true for a parameter
     */
    public boolean isParameter() {
        return parameter;
    }

    /** A requiringGrad leaf whose gradient went with its scope has none (rather than a closed one). */
    private void dropClosedGrad() {
        if (gradPerScope && grad != null && grad.isClosed()) {
            grad = null;
            gradPendingZero = false;
        }
        if (gradPerScope && sparseGrad != null && sparseGrad.isClosed()) sparseGrad = null;
    }

    /**
     * Whether backward passes compute a gradient for this value.
     *
     * @return true when a gradient is computed
     */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Whether this value was made directly (a parameter, a constant, an input) rather than by a
     * recorded op.
     *
     * @return true for a leaf
     */
    public boolean isLeaf() {
        return leaf;
    }

    /**
     * The parameter's name, or null.
     *
     * @return the name given to {@link #parameter}, or null
     */
    public String name() {
        return name;
    }

    /**
     * The value's shape.
     *
     * @return the value's shape
     */
    public Shape shape() {
        return value.shape();
    }

    /**
     * The value's dtype.
     *
     * @return the value's dtype
     */
    public DType dtype() {
        return value.dtype();
    }

    /**
     * The engine the value lives on.
     *
     * @return the value's engine
     */
    public Engine engine() {
        return value.engine();
    }

    /**
     * The same value, cut off from the graph (for truncated backpropagation through time).
     *
     * @return a constant holding the same tensor (not a copy)
     */
    public Variable detach() {
        return constant(value);
    }

    /**
     * Sets the gradient to zero, lazily: {@link #grad()} shows zeros after this, and the next
     * backward overwrites the stale memory instead of adding to it. A gradient tensor fetched
     * before this call keeps its old values until then.
     */
    public void zeroGrad() {
        if (grad != null) gradPendingZero = true;
        if (sparseGrad != null) {
            sparseGrad.close();
            sparseGrad = null;
        }
    }

    private void settleGrad() {
        if (gradPendingZero) {
            grad.zeroInPlace();
            gradPendingZero = false;
        }
    }

    // ---- how backward passes write gradients (package-private: F, Function and Tape) -------------

    /**
     * Writes one contribution into a gradient tensor (this variable's shape and dtype): adds it when
     * {@code accumulate}, else stores it, every element, over contents that are stale.
     */
    @FunctionalInterface
    interface GradientWriter {
        void write(Tensor grad, boolean accumulate);
    }

    /**
     * Adds one contribution to this variable's gradient. The one place that decides how: while the
     * gradient holds nothing yet (none allocated, or zeroed lazily by {@link #zeroGrad()}) the
     * writer stores over it (allocated uninitialised if there is none), which spares filling it with
     * zeros and reading them back; after that, writers add.
     */
    void accumulate(GradientWriter writer) {
        if (!requiresGrad) throw new IllegalStateException(this + " takes no gradient");
        dropClosedGrad();
        boolean allocated = grad == null, fresh = allocated || gradPendingZero;
        if (allocated) {
            grad = value.engine().empty(value.dtype(), value.shape());
            if (parameter) grad.unscoped();
        }
        gradPendingZero = false;
        try {
            writer.write(grad, !fresh);
            foldSparseIntoDense();
        } catch (RuntimeException | Error e) {
            // A store that failed (the checked ops fail before writing) leaves the gradient as it
            // was: none, or a lazy zero.
            if (allocated) {
                grad.close();
                grad = null;
            } else if (fresh) {
                gradPendingZero = true;
            }
            throw e;
        }
    }

    /** Adds {@code contribution} (this variable's shape and dtype; the caller keeps it) to the gradient. */
    void accumulate(Tensor contribution) {
        requireGradientShape(contribution);
        accumulate((g, add) -> {
            if (add) g.addInPlace(contribution);
            else g.copyFromInPlace(contribution);
        });
    }

    /**
     * Like {@link #accumulate(Tensor)} for a contribution whose ownership passes to this variable:
     * where no gradient is allocated yet it becomes the gradient, without a copy; otherwise it is
     * added and closed. It must be a tensor of its own (not a view) that nothing else will close.
     */
    void accumulateOwned(Tensor contribution) {
        requireGradientShape(contribution);
        dropClosedGrad();
        if (grad == null && requiresGrad) {
            grad = parameter ? contribution.unscoped() : contribution;
            gradPendingZero = false;
            foldSparseIntoDense();
            return;
        }
        try {
            accumulate(contribution);
        } finally {
            contribution.close();
        }
    }

    /** A dense gradient now holds values: the sparse part joins it (PyTorch densifies mixed gradients too). */
    private void foldSparseIntoDense() {
        if (sparseGrad == null) return;
        grad.addSparseInPlace(sparseGrad);
        sparseGrad.close();
        sparseGrad = null;
    }

    /**
     * Adds a row-sparse contribution, whose ownership passes to this variable. A leaf keeps its
     * gradient sparse while no dense one holds values (two sparse ones are coalesced into one); a
     * live dense gradient takes it in, and so does an intermediate's, which the op that made it
     * reads dense.
     */
    void accumulateSparse(SparseRows contribution) {
        if (!requiresGrad) {
            contribution.close();
            throw new IllegalStateException(this + " takes no gradient");
        }
        if (!contribution.denseShape().equals(value.shape()) || contribution.dtype() != value.dtype()
                || contribution.engine() != value.engine()) {
            contribution.close();
            throw new IllegalArgumentException("a row-sparse gradient " + contribution.denseShape() + " "
                    + contribution.dtype() + " does not fit " + this);
        }
        dropClosedGrad();
        boolean denseLive = grad != null && !gradPendingZero;
        if (!leaf || denseLive) {
            try {
                accumulate((g, add) -> {
                    if (!add) g.zeroInPlace();
                    g.addSparseInPlace(contribution);
                });
            } finally {
                contribution.close();
            }
            return;
        }
        if (sparseGrad == null) {
            sparseGrad = parameter ? contribution.unscoped() : contribution;
            return;
        }
        SparseRows sum;
        try {
            sum = sparseGrad.add(contribution);
        } finally {
            contribution.close();
        }
        sparseGrad.close();
        sparseGrad = parameter ? sum.unscoped() : sum;
    }

    private void requireGradientShape(Tensor contribution) {
        if (!contribution.shape().equals(value.shape()) || contribution.dtype() != value.dtype()
                || contribution.engine() != value.engine()) {
            throw new IllegalArgumentException("a gradient " + contribution.shape() + " " + contribution.dtype()
                    + " does not fit " + this);
        }
    }

    /**
     * Hands a gradient allocated inside {@code scope} (during a backward pass) out of it, to the
     * enclosing scope: the gradient belongs to this variable, not to the pass.
     */
    void keepGradOutOf(Scope scope) {
        dropClosedGrad();
        if (grad != null) scope.keep(grad);
        if (sparseGrad != null) {
            scope.keep(sparseGrad.rows());
            scope.keep(sparseGrad.values());
            scope.keep(sparseGrad.count());
        }
    }

    /** Frees an intermediate's gradient once backward has propagated it. */
    void releaseIntermediateGrad() {
        if (!leaf && grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** Closes the value and the gradient. */
    @Override
    public void close() {
        value.close();
        if (grad != null) grad.close();
        if (sparseGrad != null) sparseGrad.close();
    }

    @Override
    public String toString() {
        return "Variable" + (name != null ? "(" + name + ")" : "") + value.shape() + " " + value.dtype()
                + (requiresGrad ? " requiresGrad" : "");
    }
}
