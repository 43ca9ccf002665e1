package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Shape;
import dev.wick.core.Tensor;

/**
 * A tensor value in a differentiable computation, with the gradient that {@link Tape#backward}
 * accumulates into it. Parameters ({@link #parameter}) own a zero-filled gradient from birth, so
 * they can live across many steps (create them outside per-step scopes); results of {@link F}'s
 * functions get a gradient only for the duration of a backward pass.
 */
public final class Variable implements AutoCloseable {
    private final Tensor value;
    private final boolean requiresGrad;
    private final boolean leaf;
    private final String name;
    private Tensor grad;
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
        if (value == null) throw new IllegalArgumentException("value must not be null");
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.leaf = leaf;
        this.name = name;
        this.gradPerScope = leaf && requiresGrad && !gradFromBirth;
        if (gradFromBirth) {
            this.grad = value.engine().zeros(value.dtype(), value.shape());
        }
    }

    /** A value that takes no gradient (inputs, targets, a detached hidden state). */
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
     */
    public static Variable requiringGrad(Tensor value) {
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("a gradient needs a floating value, got " + value.dtype());
        }
        return new Variable(value, true, true, null, false);
    }

    /** A trainable value: its gradient (same shape and dtype, zeros) is allocated now, in the current scope. */
    public static Variable parameter(String name, Tensor value) {
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("a parameter must be floating, got " + value.dtype());
        }
        return new Variable(value, true, true, name, true);
    }

    /** The result of a recorded op: needs a gradient during backward only. */
    static Variable intermediate(Tensor value) {
        return new Variable(value, true, false, null, false);
    }

    public Tensor value() {
        return value;
    }

    /**
     * The accumulated gradient; null for a value that takes none, for an intermediate outside
     * backward, and for a {@link #requiringGrad} leaf before its first backward.
     */
    public Tensor grad() {
        dropClosedGrad();
        settleGrad();
        return grad;
    }

    /** A requiringGrad leaf whose gradient went with its scope has none (rather than a closed one). */
    private void dropClosedGrad() {
        if (gradPerScope && grad != null && grad.isClosed()) {
            grad = null;
            gradPendingZero = false;
        }
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public boolean isLeaf() {
        return leaf;
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return value.shape();
    }

    public DType dtype() {
        return value.dtype();
    }

    public Engine engine() {
        return value.engine();
    }

    /** The same value, cut off from the graph (for truncated backpropagation through time). */
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
    }

    private void settleGrad() {
        if (gradPendingZero) {
            grad.zeroInPlace();
            gradPendingZero = false;
        }
    }

    /** The gradient to add into during backward; an intermediate's is allocated (zeros) on first use. */
    Tensor gradForAccumulation() {
        if (!requiresGrad) throw new IllegalStateException("variable takes no gradient");
        dropClosedGrad();
        if (grad == null) {
            grad = value.engine().zeros(value.dtype(), value.shape());
        }
        settleGrad();
        return grad;
    }

    /** The gradient tensor as it is, without clearing a lazy zero (for the tape's bookkeeping). */
    Tensor gradOrNull() {
        dropClosedGrad();
        return grad;
    }

    /** Whether the gradient holds no contribution yet (none allocated, or zeroed lazily). */
    boolean gradIsFresh() {
        dropClosedGrad();
        return grad == null || gradPendingZero;
    }

    /**
     * The gradient for a contribution that writes every element (allocated uninitialised if there is
     * none): for use only when {@link #gradIsFresh()}.
     */
    Tensor gradForOverwrite() {
        if (!requiresGrad) throw new IllegalStateException("variable takes no gradient");
        dropClosedGrad();
        if (grad == null) {
            grad = value.engine().empty(value.dtype(), value.shape());
        }
        gradPendingZero = false;
        return grad;
    }

    /**
     * Makes {@code contribution} (same shape and dtype, which the caller hands over: it must not
     * close it) this variable's gradient when it has none yet, sparing a copy; false when that is
     * not possible (a parameter's gradient is allocated for good at its birth).
     */
    boolean adoptGrad(Tensor contribution) {
        dropClosedGrad();
        if (grad != null || !requiresGrad) return false;
        grad = contribution;
        return true;
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
    }

    @Override
    public String toString() {
        return "Variable" + (name != null ? "(" + name + ")" : "") + value.shape() + " " + value.dtype()
                + (requiresGrad ? " requiresGrad" : "");
    }
}
