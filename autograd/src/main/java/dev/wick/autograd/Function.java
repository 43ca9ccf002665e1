package dev.wick.autograd;

import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A differentiable operation you define yourself, as PyTorch's {@code torch.autograd.Function}:
 * extend this class with a forward over tensors and its backward, then call {@link #apply}, which
 * runs the forward and, when a {@link Tape} records and an input requires a gradient, records one
 * node whose backward is yours.
 * <pre>{@code
 * final class Square extends Function {
 *     protected Tensor forward(Context ctx, Tensor... inputs) {
 *         ctx.save(inputs[0]);
 *         return inputs[0].mul(inputs[0]);
 *     }
 *
 *     protected Tensor[] backward(Context ctx, Tensor gradOutput) {
 *         Tensor x = ctx.saved(0);
 *         return new Tensor[]{gradOutput.mul(x).mul(2.0)};
 *     }
 * }
 *
 * Variable y = new Square().apply(x);
 * }</pre>
 * Both methods work on plain tensors with the core's checked operations; nothing is recorded while
 * they run. One instance may be applied any number of times (each call gets its own
 * {@link Context}); state shared between calls, like a hyperparameter, belongs in fields set by
 * the constructor. {@link dev.wick.autograd.check.GradCheck} checks a Function like any op.
 */
public abstract class Function {

    /** What one call's forward leaves for its backward (PyTorch's {@code ctx}). */
    public static final class Context {
        private final boolean[] needsInputGrad;
        private final List<Tensor> saved = new ArrayList<>();

        private Context(boolean[] needsInputGrad) {
            this.needsInputGrad = needsInputGrad;
        }

        /**
         * Keeps tensors for the backward: inputs, the output, or anything the forward computed.
         * The tape does not close them; those the forward created belong to the memory scope open
         * around it, like any tensor.
         *
         * @param tensors the tensors kept, in order
         */
        public void save(Tensor... tensors) {
            for (Tensor t : tensors) {
                if (t == null) throw new IllegalArgumentException("cannot save a null tensor");
                saved.add(t);
            }
        }

        /**
         * The saved tensors, in the order saved.
         *
         * @return the list (not a copy)
         */
        public List<Tensor> saved() {
            return Collections.unmodifiableList(saved);
        }

        /**
         * The i-th saved tensor.
         *
         * @param i the position in the order saved
         * @return the tensor
         */
        public Tensor saved(int i) {
            if (i < 0 || i >= saved.size()) {
                throw new IndexOutOfBoundsException("saved tensor " + i + " out of range: " + saved.size() + " saved");
            }
            return saved.get(i);
        }

        /**
         * The number of inputs of this call.
         *
         * @return the count
         */
        public int inputCount() {
            return needsInputGrad.length;
        }

        /**
         * Whether input i will receive a gradient (it requires one and the call is recorded): a
         * backward may skip computing the others and return null for them.
         *
         * @param i the input's position
         * @return true when its gradient is wanted
         */
        public boolean needsInputGrad(int i) {
            if (i < 0 || i >= needsInputGrad.length) {
                throw new IndexOutOfBoundsException("input " + i + " out of range: " + needsInputGrad.length + " inputs");
            }
            return needsInputGrad[i];
        }
    }

    /**
     * A function; it holds no state of its own between calls (the {@link Context} does), so one
     * instance can be applied many times.
     */
    protected Function() {
    }

    /**
     * Computes the output from the inputs' values (in the order given to {@link #apply}). Return a
     * new tensor; save what the backward needs with {@link Context#save}.
     *
     * @param ctx where to save tensors for the backward
     * @param inputs the inputs' values
     * @return the output, a new tensor
     */
    protected abstract Tensor forward(Context ctx, Tensor... inputs);

    /**
     * The gradients of the loss with respect to each input, given its gradient with respect to the
     * output (the output's shape and dtype; do not modify it). Return one entry per input, null
     * where there is none (an input that takes no gradient, or one the output does not depend on);
     * a gradient may also have a shape the input's broadcasts to, and is then summed down to it.
     *
     * @param ctx what the forward saved
     * @param gradOutput the gradient with respect to the output
     * @return one gradient per input, or null entries
     */
    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /**
     * Runs {@link #forward} on the inputs' values and returns its result, recorded with
     * {@link #backward} as its gradient when a tape records and an input requires a gradient (a
     * constant otherwise, as for a non-floating result).
     *
     * @param inputs the inputs, in the order forward sees them
     * @return the output
     */
    public final Variable apply(Variable... inputs) {
        if (inputs == null) throw new IllegalArgumentException(name() + ": inputs must not be null");
        Tensor[] values = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) throw new IllegalArgumentException(name() + ": input " + i + " is null");
            values[i] = inputs[i].value();
        }
        boolean record = F.needsRecording(inputs);
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) needs[i] = record && inputs[i].requiresGrad();
        Context ctx = new Context(needs);
        Tensor out;
        try (Tape.NoGrad ng = Tape.noGrad()) {
            out = forward(ctx, values);
        }
        if (out == null) throw new IllegalStateException(name() + ".forward returned null");
        for (Tensor v : values) {
            // The output must be a tensor of its own: a Variable owns its value.
            if (out == v) {
                out = out.copy();
                break;
            }
        }
        if (!record || !out.dtype().isFloating()) return Variable.constant(out);
        Variable result = Variable.intermediate(out);
        Tape.active().add(result, g -> runBackward(ctx, inputs, g), new Tensor[0], inputs);
        return result;
    }

    private void runBackward(Context ctx, Variable[] inputs, Tensor gradOutput) {
        Tensor[] grads;
        try (Tape.NoGrad ng = Tape.noGrad()) {
            grads = backward(ctx, gradOutput);
        }
        if (grads == null) return;
        if (grads.length != inputs.length) {
            throw new IllegalStateException(name() + ".backward returned " + grads.length + " gradients for "
                    + inputs.length + " inputs");
        }
        // Every gradient is checked before any is added, so a bad one leaves all gradients as they were.
        Tensor[] fitted = new Tensor[grads.length];
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null || !inputs[i].requiresGrad()) continue;
            fitted[i] = fit(grads[i], inputs[i], i);
        }
        for (int i = 0; i < fitted.length; i++) {
            if (fitted[i] != null) inputs[i].accumulate(fitted[i]);
        }
    }

    private Tensor fit(Tensor grad, Variable input, int i) {
        if (grad.isClosed()) throw new IllegalStateException(name() + ".backward returned a closed gradient for input " + i);
        if (grad.dtype() != input.dtype() || grad.engine() != input.engine()) {
            throw new IllegalStateException(name() + ".backward returned a " + grad.dtype() + " gradient for input " + i
                    + ", which is " + input.dtype() + (grad.engine() != input.engine() ? " on another engine" : ""));
        }
        if (grad.shape().equals(input.shape())) return grad;
        try {
            return grad.sumTo(input.shape());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(name() + ".backward returned a gradient of shape " + grad.shape()
                    + " for input " + i + " of shape " + input.shape(), e);
        }
    }

    private String name() {
        String n = getClass().getSimpleName();
        return n.isEmpty() ? getClass().getName() : n;
    }
}
