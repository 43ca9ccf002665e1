package dev.wick.core.ops;

import dev.wick.core.Tensor;

/**
 * Reductions along one axis, each declared once, here. A tensor is seen as [outer, n, inner] around
 * the reduced axis (of length n) and reduced to [outer, inner]. Two kinds:
 * <ul>
 *   <li>{@link Kind#ACCUMULATE}: acc = init; acc = step(acc, x) over the axis in order; result =
 *       finish(acc, n). Accumulated in double for float32 and float64 alike, on every backend.
 *       A {@link #shifted()} op first finds the axis's maximum m and steps over x with m at hand
 *       (logsumexp: no overflow);</li>
 *   <li>{@link Kind#SELECT}: the first element along the axis that no later one beats (NaN beats
 *       everything, as in PyTorch); the result is its value or, for an {@link #indexResult()} op,
 *       its position (INT32).</li>
 * </ul>
 * The CUDA fields are expressions the generated kernels paste in: for ACCUMULATE, of {@code acc}
 * and {@code x} (doubles), {@code shift} (the maximum, a double) and {@code n} (an int); for SELECT,
 * {@code better} is an expression of the candidate {@code x} and the best so far {@code best}.
 */
public enum ReduceOp {
    /** The sum. */
    SUM("sum", Kind.ACCUMULATE, false, "acc + x", "acc", (x, y, dy, axis) -> dy.broadcastTo(x.shape())) {
        @Override
        public double step(double acc, double x, double shift) {
            return acc + x;
        }

        @Override
        public double finish(double acc, int n, double shift) {
            return acc;
        }
    },
    /** NaN over an empty axis (0 / 0), as in PyTorch. */
    MEAN("mean", Kind.ACCUMULATE, false, "acc + x", "acc / (double)n",
            (x, y, dy, axis) -> dy.broadcastTo(x.shape()).mul(1.0 / x.shape().dim(axis))) {
        @Override
        public double step(double acc, double x, double shift) {
            return acc + x;
        }

        @Override
        public double finish(double acc, int n, double shift) {
            return acc / n;
        }
    },
    /**
     * log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m the maximum; -inf over an empty
     * axis or when every element is -inf, +inf when one is +inf.
     */
    LOGSUMEXP("logsumexp", Kind.ACCUMULATE, true, "acc + exp(x - shift)",
            "(shift == -INFINITY || shift == INFINITY) ? shift : shift + log(acc)",
            (x, y, dy, axis) -> dy.mul(x.sub(y).exp())) {
        @Override
        public double step(double acc, double x, double shift) {
            return acc + Math.exp(x - shift);
        }

        @Override
        public double finish(double acc, int n, double shift) {
            return Double.isInfinite(shift) ? shift : shift + Math.log(acc);
        }
    },
    /** The gradient goes to the maximal elements, split evenly between ties (PyTorch's amax). */
    MAX("max", Kind.SELECT, false, "x > best || (x != x && best == best)", null, ReduceOp::extremumGradient) {
        @Override
        public boolean better(double x, double best) {
            return x > best || (x != x && best == best);
        }
    },
    /** The smallest element (NaN if any is NaN). */
    MIN("min", Kind.SELECT, false, "x < best || (x != x && best == best)", null, ReduceOp::extremumGradient) {
        @Override
        public boolean better(double x, double best) {
            return x < best || (x != x && best == best);
        }
    },
    /** The position of the first maximum (of the first NaN if there is one); INT32. */
    ARGMAX("argmax", Kind.SELECT, true, "x > best || (x != x && best == best)", null, null) {
        @Override
        public boolean better(double x, double best) {
            return x > best || (x != x && best == best);
        }
    },
    /** The position of the first minimum (of the first NaN if there is one); INT32. */
    ARGMIN("argmin", Kind.SELECT, true, "x < best || (x != x && best == best)", null, null) {
        @Override
        public boolean better(double x, double best) {
            return x < best || (x != x && best == best);
        }
    };

    /** How a reduction walks its axis. */
    public enum Kind {
        /** Sums terms into an accumulator that starts at 0, then finishes it (sum, mean, logsumexp). */
        ACCUMULATE,
        /** Keeps the element that beats every other (max, min, argmax, argmin). */
        SELECT
    }

    /**
     * The gradient with respect to the input x, given the result y and dL/dy both with the reduced
     * axis kept (length 1), so that they broadcast against x.
     */
    @FunctionalInterface
    public interface Gradient {
        /**
         * The gradient with respect to x.
         *
         * @param x the op's input
         * @param yKeepDim the result, the axis kept
         * @param dyKeepDim the gradient reaching the result, the axis kept
         * @param axis the axis reduced
         * @return a new tensor of x's shape
         */
        Tensor of(Tensor x, Tensor yKeepDim, Tensor dyKeepDim, int axis);
    }

    private final String opName;
    private final Kind kind;
    private final boolean flag;
    private final String cudaStep;
    private final String cudaFinish;
    private final Gradient gradient;

    ReduceOp(String opName, Kind kind, boolean flag, String cudaStep, String cudaFinish, Gradient gradient) {
        this.opName = opName;
        this.kind = kind;
        this.flag = flag;
        this.cudaStep = cudaStep;
        this.cudaFinish = cudaFinish;
        this.gradient = gradient;
    }

    private static Tensor extremumGradient(Tensor x, Tensor y, Tensor dy, int axis) {
        Tensor hits = x.eq(y);
        return dy.mul(hits).div(hits.sum(axis, true));
    }

    /**
     * The op's name: in kernel names, error messages and the README.
     *
     * @return the name
     */
    public String opName() {
        return opName;
    }

    /**
     * Whether the op accumulates or selects.
     *
     * @return its kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * An ACCUMULATE op that steps with the axis's maximum at hand ({@code shift}).
     *
     * @return true for logsumexp
     */
    public boolean shifted() {
        return kind == Kind.ACCUMULATE && flag;
    }

    /**
     * A SELECT op whose result is the position (INT32), not the value.
     *
     * @return true for argmax and argmin
     */
    public boolean indexResult() {
        return kind == Kind.SELECT && flag;
    }

    /**
     * ACCUMULATE: the CUDA expression for the next acc; SELECT: the CUDA "x beats best" test.
     *
     * @return the CUDA C expression
     */
    public String cudaStep() {
        return cudaStep;
    }

    /**
     * ACCUMULATE: the CUDA expression of the result; null for SELECT.
     *
     * @return the CUDA C expression, or null
     */
    public String cudaFinish() {
        return cudaFinish;
    }

    /**
     * The gradient formula, or null for argmax and argmin.
     *
     * @return the formula, or null
     */
    public Gradient gradient() {
        return gradient;
    }

    /**
     * Whether the op has a gradient.
     *
     * @return true when {@link #gradient()} is not null
     */
    public boolean differentiable() {
        return gradient != null;
    }

    /**
     * ACCUMULATE: the next accumulator (which starts at 0).
     *
     * @param acc the accumulator so far
     * @param x the next element
     * @param shift the axis's maximum (for shifted ops)
     * @return the next accumulator
     */
    public double step(double acc, double x, double shift) {
        throw new UnsupportedOperationException(opName + " is not an accumulating reduction");
    }

    /**
     * ACCUMULATE: the result from the accumulator.
     *
     * @param acc the accumulator after the axis
     * @param n the axis's length
     * @param shift the axis's maximum (for shifted ops)
     * @return the result
     */
    public double finish(double acc, int n, double shift) {
        throw new UnsupportedOperationException(opName + " is not an accumulating reduction");
    }

    /**
     * SELECT: whether x beats the best so far.
     *
     * @param x the candidate element
     * @param best the best element so far
     * @return true when x replaces best
     */
    public boolean better(double x, double best) {
        throw new UnsupportedOperationException(opName + " is not a selecting reduction");
    }
}
