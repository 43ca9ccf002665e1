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

    private Variable(Tensor value, boolean requiresGrad, boolean leaf, String name) {
        if (value == null) throw new IllegalArgumentException("value must not be null");
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.leaf = leaf;
        this.name = name;
        if (requiresGrad && leaf) {
            this.grad = value.engine().zeros(value.dtype(), value.shape());
        }
    }

    /** A value that takes no gradient (inputs, targets, a detached hidden state). */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, true, null);
    }

    /** A trainable value: its gradient (same shape and dtype, zeros) is allocated now, in the current scope. */
    public static Variable parameter(String name, Tensor value) {
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("a parameter must be floating, got " + value.dtype());
        }
        return new Variable(value, true, true, name);
    }

    /** The result of a recorded op: needs a gradient during backward only. */
    static Variable intermediate(Tensor value) {
        return new Variable(value, true, false, null);
    }

    public Tensor value() {
        return value;
    }

    /** The accumulated gradient; null for a value that takes none (and for an intermediate outside backward). */
    public Tensor grad() {
        return grad;
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

    public void zeroGrad() {
        if (grad != null) grad.zeroInPlace();
    }

    /** The gradient to add into during backward; an intermediate's is allocated (zeros) on first use. */
    Tensor gradForAccumulation() {
        if (!requiresGrad) throw new IllegalStateException("variable takes no gradient");
        if (grad == null) {
            grad = value.engine().zeros(value.dtype(), value.shape());
        }
        return grad;
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
