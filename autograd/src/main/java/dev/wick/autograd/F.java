package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Seed;
import dev.wick.core.Shape;
import dev.wick.core.Tensor;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The differentiable functions, with PyTorch's names and argument order where PyTorch has the
 * function. Each computes its forward through the core's checked tensor operations (so bad shapes
 * and indices are rejected before anything runs) and, when a tape is recording and an input
 * requires a gradient, records one node whose backward is also written in checked tensor
 * operations and hands each input's contribution to {@link Variable#accumulate}, which decides
 * whether it is written fresh or added.
 *
 * <p>The elementwise functions and the reductions along an axis come from the op table
 * ({@link UnaryOp}, {@link BinaryOp}, {@link ReduceOp}): {@link #apply(UnaryOp, Variable)},
 * {@link #apply(BinaryOp, Variable, Variable)} and {@link #reduce} run any entry, with the
 * gradient the table declares; the named functions ({@link #exp}, {@link #add}, {@link #sum}, ...)
 * are shorthands. Entries without a gradient (the comparisons, sign, argmax, argmin) give
 * constants: their result takes no gradient and passes none back, so a loss that depends on the
 * inputs only through them is refused by {@link Tape#backward} ("takes no gradient").
 *
 * <p>Every result is a new {@link Variable} on its inputs' engine. Its value is a new tensor, or
 * a view of the input's memory where a method says so, and like any tensor the engine makes it
 * belongs to the engine's innermost {@link dev.wick.core.Scope} open on this thread, if any.
 * Shapes are written [N, C]; T, B, E and H stand for timesteps, batch, input features and hidden
 * units.
 *
 * <p>Your own differentiable operations: {@link Function}.
 */
public final class F {
    /** PyTorch's default ignore index for cross-entropy targets. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    /** How a loss over rows is reduced (PyTorch's {@code reduction}). */
    public enum Reduction {
        /** The mean over the rows that count (those whose target is not ignored). */
        MEAN,
        /** The sum over the rows. */
        SUM,
        /** One loss per row (0 for ignored rows). */
        NONE
    }

    /** How {@link #embeddingBag} combines the rows of a bag (PyTorch's {@code mode}). */
    public enum BagMode {
        /** The rows of a bag added. */
        SUM,
        /** The rows of a bag added and divided by their count (zeros for an empty bag). */
        MEAN
    }

    private F() {
    }

    // ---- the op table: elementwise -------------------------------------------------------------

    /**
     * {@code op} applied to every element of x, with the table's gradient (none for sign).
     *
     * @param op the table's entry; not null
     * @param x a floating input, any shape
     * @return op(x), of x's shape and dtype
     * @throws IllegalArgumentException if op is null
     */
    public static Variable apply(UnaryOp op, Variable x) {
        requireOp(op);
        Tensor y = x.value().apply(op);
        UnaryOp.Gradient gradient = op.gradient();
        if (gradient == null) return Variable.constant(y);
        if (op == UnaryOp.TANH) {
            // The table's formula (tanhBackward on the saved output), written straight into the
            // input's gradient instead of through a temporary.
            return record(y, g -> x.accumulate((dx, add) -> dx.tanhBackwardInPlace(y, g, add)), x);
        }
        return record(y, g -> x.accumulate(gradient.of(x.value(), y, g)), x);
    }

    /**
     * {@code op(a, b)} elementwise, the shapes broadcast numpy's way; each input's gradient is
     * summed back to its own shape. The comparisons give 1 or 0 (a constant).
     *
     * @param op the table's entry; not null
     * @param a the first operand, floating
     * @param b the second operand, of a's dtype and engine
     * @return op(a, b) in the broadcast shape
     * @throws IllegalArgumentException if op is null, or the shapes do not broadcast, or the dtypes or
     *     engines differ
     */
    public static Variable apply(BinaryOp op, Variable a, Variable b) {
        requireOp(op);
        Tensor out = a.value().apply(op, b.value());
        BinaryOp.Gradient gradient = op.gradient();
        if (gradient == null) return Variable.constant(out);
        return record(out, g -> {
            if (a.requiresGrad()) accumulateSummed(a, gradient.of(0, a.value(), b.value(), out, g));
            if (b.requiresGrad()) accumulateSummed(b, gradient.of(1, a.value(), b.value(), out, g));
        }, a, b);
    }

    /**
     * {@code op(a, scalar)} elementwise (the scalar is first converted to a's dtype).
     *
     * @param op the table's entry; not null
     * @param a the tensor operand, floating
     * @param scalar the second operand
     * @return op(a, scalar), of a's shape
     * @throws IllegalArgumentException if op is null
     */
    public static Variable apply(BinaryOp op, Variable a, double scalar) {
        return applyScalar(op, a, scalar, false);
    }

    /**
     * {@code op(scalar, b)} elementwise: for instance {@code apply(BinaryOp.DIV, 1.0, x)} is 1 / x.
     *
     * @param op the table's entry; not null
     * @param scalar the first operand, converted to b's dtype
     * @param b the tensor operand, floating
     * @return op(scalar, b), of b's shape
     * @throws IllegalArgumentException if op is null
     */
    public static Variable apply(BinaryOp op, double scalar, Variable b) {
        return applyScalar(op, b, scalar, true);
    }

    private static Variable applyScalar(BinaryOp op, Variable x, double scalar, boolean scalarFirst) {
        requireOp(op);
        Tensor out = scalarFirst ? x.value().applyScalarFirst(op, scalar) : x.value().apply(op, scalar);
        BinaryOp.Gradient gradient = op.gradient();
        if (gradient == null) return Variable.constant(out);
        return record(out, g -> {
            // The table's formula with the scalar as a rank-0 tensor, which broadcasts.
            Tensor s = x.engine().scalar(x.dtype(), scalar);
            accumulateSummed(x, scalarFirst ? gradient.of(1, s, x.value(), out, g) : gradient.of(0, x.value(), s, out, g));
        }, x);
    }

    /**
     * e^x elementwise.
     *
     * @param x a floating input
     * @return e^x, of x's shape
     */
    public static Variable exp(Variable x) {
        return apply(UnaryOp.EXP, x);
    }

    /**
     * The natural logarithm.
     *
     * @param x a floating input (NaN below 0, -infinity at 0)
     * @return ln x, of x's shape
     */
    public static Variable log(Variable x) {
        return apply(UnaryOp.LOG, x);
    }

    /**
     * 1 / (1 + e^-x) elementwise.
     *
     * @param x a floating input
     * @return values in (0, 1), of x's shape
     */
    public static Variable sigmoid(Variable x) {
        return apply(UnaryOp.SIGMOID, x);
    }

    /**
     * max(x, 0); the gradient at 0 is 0.
     *
     * @param x a floating input
     * @return max(x, 0), of x's shape
     */
    public static Variable relu(Variable x) {
        return apply(UnaryOp.RELU, x);
    }

    /**
     * -x elementwise.
     *
     * @param x a floating input
     * @return -x, of x's shape
     */
    public static Variable neg(Variable x) {
        return apply(UnaryOp.NEG, x);
    }

    /**
     * The square root elementwise.
     *
     * @param x a floating input (NaN below 0)
     * @return the square roots, of x's shape
     */
    public static Variable sqrt(Variable x) {
        return apply(UnaryOp.SQRT, x);
    }

    /**
     * |x|; the gradient at 0 is 0.
     *
     * @param x a floating input
     * @return |x|, of x's shape
     */
    public static Variable abs(Variable x) {
        return apply(UnaryOp.ABS, x);
    }

    /**
     * The hyperbolic tangent elementwise.
     *
     * @param x a floating input
     * @return values in [-1, 1], of x's shape
     */
    public static Variable tanh(Variable x) {
        return apply(UnaryOp.TANH, x);
    }

    /**
     * log(1 + e^x), linear above 20 (PyTorch's softplus with beta 1, threshold 20).
     *
     * @param x a floating input
     * @return values above 0, of x's shape
     */
    public static Variable softplus(Variable x) {
        return apply(UnaryOp.SOFTPLUS, x);
    }

    /**
     * -1, 0 or 1: a constant (no gradient).
     *
     * @param x a floating input
     * @return -1, 0 or 1 per element (0 at 0 and NaN at NaN), of x's shape
     */
    public static Variable sign(Variable x) {
        return apply(UnaryOp.SIGN, x);
    }

    /**
     * PyTorch's {@code torch.where(condition, a, b)}: a where the condition is non-zero, else b, the
     * three broadcast together. The gradient flows into a where it was chosen and into b elsewhere,
     * none into the condition; an infinity or NaN on the side not chosen never reaches the result
     * or the gradient (two masked copies are added, never multiplied by 0).
     *
     * @param condition the choice, non-zero for a, of a's dtype; it takes no gradient
     * @param a the values where the condition holds
     * @param b the values elsewhere, of a's dtype
     * @return the chosen values, in the shape the three broadcast to
     */
    public static Variable where(Tensor condition, Variable a, Variable b) {
        Variable chosen = apply(BinaryOp.MASK, a, Variable.constant(condition));
        Variable otherwise = apply(BinaryOp.MASK, b, Variable.constant(condition.eq(0.0)));
        return add(chosen, otherwise);
    }

    /**
     * a + b, broadcasting (a bias [C] added to every row of [N, C], for instance).
     *
     * @param a the first summand
     * @param b the second summand, of a's dtype
     * @return a + b in the broadcast shape
     */
    public static Variable add(Variable a, Variable b) {
        return apply(BinaryOp.ADD, a, b);
    }

    /**
     * a + b for a scalar b.
     *
     * @param a the tensor summand
     * @param b the scalar added to every element
     * @return a + b, of a's shape
     */
    public static Variable add(Variable a, double b) {
        return apply(BinaryOp.ADD, a, b);
    }

    /**
     * a - b, broadcasting.
     *
     * @param a the minuend
     * @param b the subtrahend, of a's dtype
     * @return a - b in the broadcast shape
     */
    public static Variable sub(Variable a, Variable b) {
        return apply(BinaryOp.SUB, a, b);
    }

    /**
     * a - b for a scalar b.
     *
     * @param a the minuend
     * @param b the scalar subtracted from every element
     * @return a - b, of a's shape
     */
    public static Variable sub(Variable a, double b) {
        return apply(BinaryOp.SUB, a, b);
    }

    /**
     * scalar - x (PyTorch's rsub).
     *
     * @param x the subtrahend
     * @param scalar the minuend
     * @return scalar - x, of x's shape
     */
    public static Variable rsub(Variable x, double scalar) {
        return apply(BinaryOp.SUB, scalar, x);
    }

    /**
     * a * b elementwise, broadcasting.
     *
     * @param a the first factor
     * @param b the second factor, of a's dtype
     * @return a * b in the broadcast shape
     */
    public static Variable mul(Variable a, Variable b) {
        return apply(BinaryOp.MUL, a, b);
    }

    /**
     * a * b for a scalar b.
     *
     * @param a the tensor factor
     * @param b the scalar every element is multiplied by
     * @return a * b, of a's shape
     */
    public static Variable mul(Variable a, double b) {
        return apply(BinaryOp.MUL, a, b);
    }

    /**
     * alpha * a (the same as {@code mul(a, alpha)}).
     *
     * @param a the tensor scaled
     * @param alpha the factor
     * @return alpha * a, of a's shape
     */
    public static Variable scale(Variable a, double alpha) {
        return mul(a, alpha);
    }

    /**
     * a / b elementwise, broadcasting.
     *
     * @param a the dividend
     * @param b the divisor, of a's dtype (division by 0 gives infinities or NaN, as in IEEE 754)
     * @return a / b in the broadcast shape
     */
    public static Variable div(Variable a, Variable b) {
        return apply(BinaryOp.DIV, a, b);
    }

    /**
     * a / b for a scalar b.
     *
     * @param a the dividend
     * @param b the scalar every element is divided by
     * @return a / b, of a's shape
     */
    public static Variable div(Variable a, double b) {
        return apply(BinaryOp.DIV, a, b);
    }

    /**
     * The larger of a and b elementwise, broadcasting; at a tie each receives half the gradient.
     *
     * @param a the first operand (a NaN in either operand wins)
     * @param b the second operand, of a's dtype
     * @return the elementwise maximum in the broadcast shape
     */
    public static Variable maximum(Variable a, Variable b) {
        return apply(BinaryOp.MAXIMUM, a, b);
    }

    /**
     * max(a, b) elementwise for a scalar b.
     *
     * @param a the tensor operand
     * @param b the scalar floor
     * @return the elementwise maximum, of a's shape
     */
    public static Variable maximum(Variable a, double b) {
        return apply(BinaryOp.MAXIMUM, a, b);
    }

    /**
     * The smaller of a and b elementwise, broadcasting; at a tie each receives half the gradient.
     *
     * @param a the first operand (a NaN in either operand wins)
     * @param b the second operand, of a's dtype
     * @return the elementwise minimum in the broadcast shape
     */
    public static Variable minimum(Variable a, Variable b) {
        return apply(BinaryOp.MINIMUM, a, b);
    }

    /**
     * min(a, b) elementwise for a scalar b.
     *
     * @param a the tensor operand
     * @param b the scalar ceiling
     * @return the elementwise minimum, of a's shape
     */
    public static Variable minimum(Variable a, double b) {
        return apply(BinaryOp.MINIMUM, a, b);
    }

    /**
     * 1 where a == b, else 0, in a's dtype: a constant mask (no gradient).
     *
     * @param a the first operand
     * @param b the second operand, of a's dtype
     * @return the mask, in the broadcast shape
     */
    public static Variable eq(Variable a, Variable b) {
        return apply(BinaryOp.EQ, a, b);
    }

    /**
     * 1 where a != b, else 0: a constant mask.
     *
     * @param a the first operand
     * @param b the second operand, of a's dtype
     * @return the mask, in the broadcast shape
     */
    public static Variable ne(Variable a, Variable b) {
        return apply(BinaryOp.NE, a, b);
    }

    /**
     * 1 where a &lt; b, else 0: a constant mask.
     *
     * @param a the first operand
     * @param b the second operand, of a's dtype
     * @return the mask, in the broadcast shape
     */
    public static Variable lt(Variable a, Variable b) {
        return apply(BinaryOp.LT, a, b);
    }

    /**
     * 1 where a &lt;= b, else 0: a constant mask.
     *
     * @param a the first operand
     * @param b the second operand, of a's dtype
     * @return the mask, in the broadcast shape
     */
    public static Variable le(Variable a, Variable b) {
        return apply(BinaryOp.LE, a, b);
    }

    /**
     * 1 where a &gt; b, else 0: a constant mask.
     *
     * @param a the first operand
     * @param b the second operand, of a's dtype
     * @return the mask, in the broadcast shape
     */
    public static Variable gt(Variable a, Variable b) {
        return apply(BinaryOp.GT, a, b);
    }

    /**
     * 1 where a &gt;= b, else 0: a constant mask.
     *
     * @param a the first operand
     * @param b the second operand, of a's dtype
     * @return the mask, in the broadcast shape
     */
    public static Variable ge(Variable a, Variable b) {
        return apply(BinaryOp.GE, a, b);
    }

    /**
     * 1 where a == b for a scalar b, else 0: a constant mask.
     *
     * @param a the tensor compared
     * @param b the scalar compared with every element
     * @return the mask, of a's shape and dtype
     */
    public static Variable eq(Variable a, double b) {
        return apply(BinaryOp.EQ, a, b);
    }

    /**
     * 1 where a != b for a scalar b, else 0: a constant mask.
     *
     * @param a the tensor compared
     * @param b the scalar compared with every element
     * @return the mask, of a's shape and dtype
     */
    public static Variable ne(Variable a, double b) {
        return apply(BinaryOp.NE, a, b);
    }

    /**
     * 1 where a &lt; b for a scalar b, else 0: a constant mask.
     *
     * @param a the tensor compared
     * @param b the scalar compared with every element
     * @return the mask, of a's shape and dtype
     */
    public static Variable lt(Variable a, double b) {
        return apply(BinaryOp.LT, a, b);
    }

    /**
     * 1 where a &lt;= b for a scalar b, else 0: a constant mask.
     *
     * @param a the tensor compared
     * @param b the scalar compared with every element
     * @return the mask, of a's shape and dtype
     */
    public static Variable le(Variable a, double b) {
        return apply(BinaryOp.LE, a, b);
    }

    /**
     * 1 where a &gt; b for a scalar b, else 0: a constant mask.
     *
     * @param a the tensor compared
     * @param b the scalar compared with every element
     * @return the mask, of a's shape and dtype
     */
    public static Variable gt(Variable a, double b) {
        return apply(BinaryOp.GT, a, b);
    }

    /**
     * 1 where a &gt;= b for a scalar b, else 0: a constant mask.
     *
     * @param a the tensor compared
     * @param b the scalar compared with every element
     * @return the mask, of a's shape and dtype
     */
    public static Variable ge(Variable a, double b) {
        return apply(BinaryOp.GE, a, b);
    }

    // ---- the op table: reductions ------------------------------------------------------------------

    /**
     * {@code op} along {@code axis} (negative counts from the end), the axis removed or, when
     * {@code keepDim}, kept with length 1. ARGMAX and ARGMIN give INT32 positions, a constant.
     *
     * @param op the table's entry; not null
     * @param x a floating input
     * @param axis the axis reduced (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the reduction, of x's dtype (INT32 for ARGMAX and ARGMIN)
     * @throws IllegalArgumentException if op is null or the axis is out of range
     */
    public static Variable reduce(ReduceOp op, Variable x, int axis, boolean keepDim) {
        requireOp(op);
        Tensor y = x.value().reduce(op, axis, keepDim);
        ReduceOp.Gradient gradient = op.gradient();
        if (gradient == null) return Variable.constant(y);
        int a = axis < 0 ? axis + x.shape().rank() : axis;
        return record(y, g -> {
            // The table's formulas broadcast the result and its gradient against x: axis kept.
            Tensor yKept = keepDim ? y : y.unsqueeze(a);
            Tensor gKept = keepDim ? g : g.unsqueeze(a);
            x.accumulate(gradient.of(x.value(), yKept, gKept, a));
        }, x);
    }

    /**
     * The sum of all elements: a scalar.
     *
     * @param x the input, any shape
     * @return a rank-0 variable of x's dtype
     */
    public static Variable sum(Variable x) {
        Tensor out = x.value().sum();
        return record(out, g -> x.accumulate(g.broadcastTo(x.shape())), x);
    }

    /**
     * The sum along an axis (PyTorch's {@code sum(input, dim, keepdim)}).
     *
     * @param x the input
     * @param axis the axis summed (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the sums, of x's dtype
     */
    public static Variable sum(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.SUM, x, axis, keepDim);
    }

    /**
     * The mean of all elements: a scalar.
     *
     * @param x the input, floating, any shape
     * @return a rank-0 variable of x's dtype
     */
    public static Variable mean(Variable x) {
        Tensor out = x.value().mean();
        return record(out, g -> x.accumulate(g.broadcastTo(x.shape()).mul(1.0 / x.shape().numel())), x);
    }

    /**
     * The mean along an axis (PyTorch's {@code mean(input, dim, keepdim)}).
     *
     * @param x the input
     * @param axis the axis averaged (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the means, of x's dtype
     */
    public static Variable mean(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.MEAN, x, axis, keepDim);
    }

    /**
     * The largest values along an axis (PyTorch's {@code amax}: values only); the gradient goes to
     * the maximal elements, split evenly between ties.
     *
     * @param x the input; the axis must not be empty
     * @param axis the axis searched (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the maxima, of x's dtype
     */
    public static Variable max(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.MAX, x, axis, keepDim);
    }

    /**
     * The smallest values along an axis; the gradient is split evenly between ties.
     *
     * @param x the input; the axis must not be empty
     * @param axis the axis searched (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the minima, of x's dtype
     */
    public static Variable min(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.MIN, x, axis, keepDim);
    }

    /**
     * log(sum(exp(x))) along an axis, without overflow.
     *
     * @param x the input
     * @param axis the axis reduced (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the log-sum-exps, of x's dtype
     */
    public static Variable logsumexp(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.LOGSUMEXP, x, axis, keepDim);
    }

    /**
     * Positions (INT32) of the first maximum along an axis: a constant.
     *
     * @param x the input; the axis must not be empty
     * @param axis the axis searched (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the positions, INT32, taking no gradient
     */
    public static Variable argmax(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.ARGMAX, x, axis, keepDim);
    }

    /**
     * Positions (INT32) of the first minimum along an axis: a constant.
     *
     * @param x the input; the axis must not be empty
     * @param axis the axis searched (negative counts from the end)
     * @param keepDim whether the axis stays, with length 1
     * @return the positions, INT32, taking no gradient
     */
    public static Variable argmin(Variable x, int axis, boolean keepDim) {
        return reduce(ReduceOp.ARGMIN, x, axis, keepDim);
    }

    /**
     * exp(x) / sum(exp(x)) along {@code axis}.
     *
     * @param x the scores, floating
     * @param axis the axis normalised (negative counts from the end)
     * @return probabilities summing to 1 along the axis, of x's shape
     */
    public static Variable softmax(Variable x, int axis) {
        Tensor y = x.value().softmax(axis);
        return record(y, g -> {
            // dx = y * (g - sum(g * y)) along the axis.
            Tensor dot = g.mul(y).sum(axis, true);
            x.accumulate(y.mul(g.sub(dot)));
        }, x);
    }

    /**
     * x - logsumexp(x) along {@code axis}: log-probabilities, without overflow.
     *
     * @param x the scores, floating
     * @param axis the axis normalised (negative counts from the end)
     * @return log-probabilities, of x's shape
     */
    public static Variable logSoftmax(Variable x, int axis) {
        Tensor y = x.value().logSoftmax(axis);
        return record(y, g -> {
            // dx = g - softmax * sum(g) along the axis.
            Tensor total = g.sum(axis, true);
            x.accumulate(g.sub(y.exp().mul(total)));
        }, x);
    }

    // ---- shapes ----------------------------------------------------------------------------------

    /**
     * The same elements in another shape (a view).
     *
     * @param x the input
     * @param dims the new shape; its element count must equal x's
     * @return a view of x's memory in the new shape
     */
    public static Variable reshape(Variable x, int... dims) {
        Tensor out = x.value().reshape(dims);
        int[] original = x.shape().dims();
        return record(out, g -> x.accumulate(g.reshape(original)), x);
    }

    /**
     * Rows [start, end) along the first dimension (a view): selects timesteps of a [T, B, H] tensor.
     *
     * @param x the input, rank 1 or more
     * @param start the first row, included
     * @param end the last row, excluded
     * @return a view of x's memory, of shape [end - start, ...]
     */
    public static Variable slice(Variable x, int start, int end) {
        Tensor out = x.value().slice(start, end);
        return record(out, g -> x.accumulate(intoRows(g, start)), x);
    }

    /**
     * The dimensions reordered: result dimension i is x's dimension {@code order[i]}.
     *
     * @param x the input
     * @param order a permutation of x's axes (negative counts from the end)
     * @return a new tensor in the permuted shape
     */
    public static Variable permute(Variable x, int... order) {
        Tensor out = x.value().permute(order); // checks the order
        int rank = order.length;
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[order[i] < 0 ? order[i] + rank : order[i]] = i;
        return record(out, g -> x.accumulate(g.permute(inverse)), x);
    }

    /**
     * Two dimensions swapped.
     *
     * @param x the input
     * @param axis0 one axis (negative counts from the end)
     * @param axis1 the other axis
     * @return a new tensor with the two dimensions swapped
     */
    public static Variable transpose(Variable x, int axis0, int axis1) {
        Tensor out = x.value().transpose(axis0, axis1); // checks the axes
        return record(out, g -> x.accumulate(g.transpose(axis0, axis1)), x);
    }

    /**
     * Elements [start, start + length) along {@code axis}.
     *
     * @param x the input
     * @param axis the axis cut (negative counts from the end)
     * @param start the first element kept
     * @param length how many are kept
     * @return a view of x's memory for the first axis, otherwise a copy
     */
    public static Variable narrow(Variable x, int axis, int start, int length) {
        Tensor out = x.value().narrow(axis, start, length); // checks the range
        int a = axis < 0 ? axis + x.shape().rank() : axis;
        if (a == 0) return record(out, g -> x.accumulate(intoRows(g, start)), x);
        return record(out, g -> {
            // Zeros around the piece, joined along the axis.
            int[] before = x.shape().dims(), after = x.shape().dims();
            before[a] = start;
            after[a] = x.shape().dim(a) - start - length;
            Engine e = x.engine();
            x.accumulate(Tensor.concat(a, e.zeros(x.dtype(), before), g, e.zeros(x.dtype(), after)));
        }, x);
    }

    /**
     * Consecutive pieces along {@code axis} of the given sizes, which must add up to its length.
     *
     * @param x the input
     * @param axis the axis split (negative counts from the end)
     * @param sizes the pieces' lengths along the axis, in order
     * @return one variable per size, each as {@link #narrow} gives it
     * @throws IllegalArgumentException if a size is negative or the sizes do not add up to the axis's length
     */
    public static List<Variable> split(Variable x, int axis, int... sizes) {
        int length = x.shape().dim(axis); // checks the axis
        long total = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split: negative size " + s);
            total += s;
        }
        if (total != length) {
            throw new IllegalArgumentException("split " + Arrays.toString(sizes) + " does not add up to " + length
                    + " along axis " + axis + " of " + x.shape());
        }
        List<Variable> parts = new ArrayList<>(sizes.length);
        int start = 0;
        for (int s : sizes) {
            parts.add(narrow(x, axis, start, s));
            start += s;
        }
        return parts;
    }

    /**
     * The parts joined along an existing axis (PyTorch's {@code cat}); the other dimensions must agree.
     *
     * @param parts the pieces, in order, of one dtype and engine
     * @param axis the axis joined along (negative counts from the end)
     * @return a new tensor whose axis is the sum of the parts' lengths
     */
    public static Variable concat(List<Variable> parts, int axis) {
        return concat(axis, parts.toArray(new Variable[0]));
    }

    /**
     * The parts joined along an existing axis; the other dimensions must agree.
     *
     * @param axis the axis joined along (negative counts from the end)
     * @param parts the pieces, in order, of one dtype and engine
     * @return a new tensor whose axis is the sum of the parts' lengths
     * @throws IllegalArgumentException if a part is null or the shapes do not agree off the axis
     */
    public static Variable concat(int axis, Variable... parts) {
        Tensor out = Tensor.concat(axis, values(parts)); // checks the shapes
        int a = axis < 0 ? axis + out.rank() : axis;
        return record(out, g -> {
            int start = 0;
            for (Variable p : parts) {
                int length = p.shape().dim(a);
                if (p.requiresGrad()) p.accumulate(piece(g, a, start, length));
                start += length;
            }
        }, parts);
    }

    /**
     * The parts, all of one shape, stacked along a new axis.
     *
     * @param parts the pieces, in order, of one shape, dtype and engine
     * @param axis where the new axis goes, in the result's rank (negative counts from the end)
     * @return a new tensor with a new axis of length parts.size()
     */
    public static Variable stack(List<Variable> parts, int axis) {
        return stack(axis, parts.toArray(new Variable[0]));
    }

    /**
     * The parts, all of one shape, stacked along a new axis.
     *
     * @param axis where the new axis goes, in the result's rank (negative counts from the end)
     * @param parts the pieces, in order, of one shape, dtype and engine
     * @return a new tensor with a new axis of length parts.length
     * @throws IllegalArgumentException if a part is null or the shapes differ
     */
    public static Variable stack(int axis, Variable... parts) {
        Tensor out = Tensor.stack(axis, values(parts)); // checks the shapes and the axis
        int a = axis < 0 ? axis + out.rank() : axis;
        return record(out, g -> {
            for (int i = 0; i < parts.length; i++) {
                Variable p = parts[i];
                if (p.requiresGrad()) p.accumulate(piece(g, a, i, 1).reshape(p.shape().dims()));
            }
        }, parts);
    }

    /**
     * A new dimension of length 1 at {@code axis} (a view).
     *
     * @param x the input
     * @param axis the new dimension's place in the result (negative counts from the end)
     * @return a view of x's memory with one more dimension
     */
    public static Variable unsqueeze(Variable x, int axis) {
        Tensor out = x.value().unsqueeze(axis);
        int[] original = x.shape().dims();
        return record(out, g -> x.accumulate(g.reshape(original)), x);
    }

    /**
     * Dimension {@code axis}, which must have length 1, removed (a view).
     *
     * @param x the input
     * @param axis the dimension removed (negative counts from the end)
     * @return a view of x's memory with one dimension less
     */
    public static Variable squeeze(Variable x, int axis) {
        Tensor out = x.value().squeeze(axis);
        int[] original = x.shape().dims();
        return record(out, g -> x.accumulate(g.reshape(original)), x);
    }

    /**
     * x repeated along stretched dimensions to {@code target} (numpy broadcasting); the gradient is summed back.
     *
     * @param x the input
     * @param target a shape x broadcasts to
     * @return a new tensor of the target shape
     */
    public static Variable broadcastTo(Variable x, Shape target) {
        Tensor out = x.value().broadcastTo(target);
        return record(out, g -> x.accumulate(g.sumTo(x.shape())), x);
    }

    /**
     * x broadcast to the shape {@code dims}; see {@link #broadcastTo(Variable, Shape)}.
     *
     * @param x the input
     * @param dims the dimensions of a shape x broadcasts to
     * @return a new tensor of that shape
     */
    public static Variable broadcastTo(Variable x, int... dims) {
        return broadcastTo(x, Shape.of(dims));
    }

    // ---- embedding -----------------------------------------------------------------------------

    /**
     * Rows of {@code weight} [V, D] picked by {@code indices} (INT32, any shape): indices.shape + [D].
     *
     * @param weight the table, [V, D]
     * @param indices the rows to look up, INT32 in [0, V), any shape
     * @return the rows, new, of shape indices.shape + [D]
     */
    public static Variable embedding(Variable weight, Tensor indices) {
        return embedding(weight, indices, -1);
    }

    /**
     * Embedding lookup whose backward is a scatter-add: a row looked up k times receives the sum of
     * the k gradients. The row {@code paddingIndex} receives no gradient (-1 for none).
     *
     * @param weight the table, [V, D]
     * @param indices the rows to look up, INT32 in [0, V), any shape
     * @param paddingIndex the row that receives no gradient, in [0, V), or -1 for none
     * @return the rows, new, of shape indices.shape + [D]
     * @throws IllegalArgumentException if the padding index is outside [-1, V)
     */
    public static Variable embedding(Variable weight, Tensor indices, int paddingIndex) {
        return embedding(weight, indices, paddingIndex, false);
    }

    /**
     * Embedding lookup as above; with {@code sparse} (PyTorch's {@code sparse=True}) the backward
     * gives the weight a row-sparse gradient ({@link Variable#sparseGrad()}): only the distinct rows
     * looked up, ascending, each with the sum of its gradients added in lookup order (the bits the
     * dense scatter-add gives), the padding row left out. Train it with Sgd (no momentum) or
     * SparseAdam; its size is the number of lookups, never V x D.
     *
     * @param weight the table, [V, D]
     * @param indices the rows to look up, INT32 in [0, V), any shape
     * @param paddingIndex the row that receives no gradient, in [0, V), or -1 for none
     * @param sparse whether the weight's gradient is row-sparse instead of dense [V, D]
     * @return the rows, new, of shape indices.shape + [D]
     * @throws IllegalArgumentException if the padding index is outside [-1, V)
     * @throws IndexOutOfBoundsException if an index lies outside [0, V)
     */
    public static Variable embedding(Variable weight, Tensor indices, int paddingIndex, boolean sparse) {
        int rows = weight.shape().rank() == 2 ? weight.shape().dim(0) : -1;
        if (rows >= 0 && (paddingIndex < -1 || paddingIndex >= rows)) {
            throw new IllegalArgumentException("padding index " + paddingIndex + " out of range for an embedding of "
                    + rows + " rows");
        }
        Tensor out = weight.value().gather(indices); // checks the indices before any kernel runs
        if (sparse) return record(out, g -> weight.accumulateSparse(g.coalesceRows(indices, rows, paddingIndex)), weight);
        return record(out, g -> weight.accumulate((dW, add) -> {
            if (!add) dW.zeroInPlace(); // a scatter adds, so a fresh gradient starts from zeros
            dW.scatterAdd(indices, g, paddingIndex, dW.engine().scatterMode());
        }), weight);
    }

    /**
     * Sums or means of bags of rows of {@code weight} [V, D] (PyTorch's {@code embedding_bag} in
     * mode "sum" or "mean", without per-sample weights or a padding index). Either {@code indices} is 1-D [N] and {@code offsets} (INT32
     * [B]) gives where each bag starts (offsets[0] == 0, non-decreasing, at most N; bag b is
     * indices[offsets[b], offsets[b + 1])), or {@code indices} is 2-D [B, L], each row a bag, and
     * {@code offsets} is null. The result is [B, D]; an empty bag gives zeros. The rows are gathered
     * and summed into their bags by a scatter-add; the backward gathers each bag's gradient back to
     * its indices and scatter-adds them into the weight's gradient, so an index repeated within or
     * across bags receives every contribution. The offsets are read to the host once, to label each
     * index with its bag.
     *
     * @param weight the table, [V, D]
     * @param indices INT32 in [0, V): [N] with offsets, or [B, L] without
     * @param offsets INT32 [B], where each bag starts in indices; null for 2-D indices
     * @param mode SUM or MEAN; not null
     * @return the bags, [B, D] of the weight's dtype
     * @throws IllegalArgumentException if the mode is null, the weight is not 2-D, or the indices and offsets
     *     do not fit together as described
     * @throws IndexOutOfBoundsException if an index lies outside [0, V)
     */
    public static Variable embeddingBag(Variable weight, Tensor indices, Tensor offsets, BagMode mode) {
        if (mode == null) throw new IllegalArgumentException("embeddingBag: mode must not be null");
        Shape ws = weight.shape();
        if (ws.rank() != 2) throw new IllegalArgumentException("embeddingBag: weight must be [V, D], got " + ws);
        int[] bagOf;
        int bags;
        if (indices.rank() == 2) {
            if (offsets != null) {
                throw new IllegalArgumentException("embeddingBag: with 2-D indices " + indices.shape()
                        + " every row is a bag; offsets must be null");
            }
            bags = indices.shape().dim(0);
            int length = indices.shape().dim(1);
            bagOf = new int[indices.numel()];
            for (int i = 0; i < bagOf.length; i++) bagOf[i] = i / length;
        } else if (indices.rank() == 1) {
            bagOf = bagsFromOffsets(indices.numel(), offsets);
            bags = offsets.numel();
        } else {
            throw new IllegalArgumentException("embeddingBag: indices must be 1-D (with offsets) or 2-D, got "
                    + indices.shape());
        }
        Engine e = weight.engine();
        Tensor flat = indices.reshape(indices.numel());
        Tensor rows = weight.value().gather(flat); // checks the indices before any kernel runs
        Tensor bagIds = e.fromInts(bagOf, bagOf.length);
        Tensor out = e.zeros(weight.dtype(), bags, ws.dim(1));
        out.scatterAdd(bagIds, rows);
        rows.close();
        Tensor scale = null;
        if (mode == BagMode.MEAN) {
            double[] inverse = new double[bags];
            for (int b : bagOf) inverse[b]++;
            for (int b = 0; b < bags; b++) inverse[b] = inverse[b] == 0 ? 0 : 1 / inverse[b];
            scale = e.fromDoubles(weight.dtype(), inverse, bags, 1);
            out.applyInPlace(BinaryOp.MUL, scale);
        }
        Tensor perRow = scale;
        return record(out, g -> {
            Tensor perBag = perRow == null ? g : g.mul(perRow);
            Tensor dRows = perBag.gather(bagIds);
            weight.accumulate((dW, add) -> {
                if (!add) dW.zeroInPlace();
                dW.scatterAdd(flat, dRows, -1, dW.engine().scatterMode());
            });
        }, new Tensor[]{bagIds, scale}, weight);
    }

    private static int[] bagsFromOffsets(int count, Tensor offsets) {
        if (offsets == null) {
            throw new IllegalArgumentException("embeddingBag: 1-D indices need offsets (where each bag starts)");
        }
        if (offsets.dtype() != DType.INT32 || offsets.rank() != 1) {
            throw new IllegalArgumentException("embeddingBag: offsets must be INT32 [B], got " + offsets.dtype() + " "
                    + offsets.shape());
        }
        int[] off = offsets.toIntArray();
        if (off.length > 0 && off[0] != 0) {
            throw new IllegalArgumentException("embeddingBag: offsets[0] must be 0 (the first bag starts at the first index), got "
                    + off[0]);
        }
        for (int b = 1; b < off.length; b++) {
            if (off[b] < off[b - 1]) {
                throw new IllegalArgumentException("embeddingBag: offsets must not decrease, but offsets[" + b + "] = "
                        + off[b] + " < offsets[" + (b - 1) + "] = " + off[b - 1]);
            }
        }
        if (off.length > 0 && off[off.length - 1] > count) {
            throw new IllegalArgumentException("embeddingBag: offsets[" + (off.length - 1) + "] = " + off[off.length - 1]
                    + " lies past the " + count + " indices");
        }
        if (off.length == 0 && count > 0) {
            throw new IllegalArgumentException("embeddingBag: " + count + " indices but no bags (offsets is empty)");
        }
        int[] bagOf = new int[count];
        for (int b = 0; b < off.length; b++) {
            int end = b + 1 < off.length ? off[b + 1] : count;
            Arrays.fill(bagOf, off[b], end, b);
        }
        return bagOf;
    }

    // ---- linear algebra ------------------------------------------------------------------------

    /**
     * [m, k] x [k, n] -> [m, n].
     *
     * @param a the left factor, [m, k]
     * @param b the right factor, [k, n], of a's dtype
     * @return the product, new, [m, n]
     */
    public static Variable matmul(Variable a, Variable b) {
        Tensor out = a.value().matmul(b.value());
        return record(out, g -> {
            if (a.requiresGrad()) a.accumulate((dA, add) -> Tensor.gemm(false, true, 1.0, g, b.value(), beta(add), dA));
            if (b.requiresGrad()) b.accumulate((dB, add) -> Tensor.gemm(true, false, 1.0, a.value(), g, beta(add), dB));
        }, a, b);
    }

    /**
     * x [..., in] times weight [out, in] transposed, plus bias [out] (may be null): [..., out]. The
     * weight has PyTorch's layout, so checkpoints map one to one.
     *
     * @param x the input, [..., in]
     * @param weight the weight, [out, in], of x's dtype and engine
     * @param bias the bias, [out], or null for none
     * @return the output, new, [..., out]
     * @throws IllegalArgumentException if the shapes do not match, or the dtypes or engines differ
     */
    public static Variable linear(Variable x, Variable weight, Variable bias) {
        Shape xs = x.shape(), ws = weight.shape();
        if (xs.rank() < 1 || ws.rank() != 2 || xs.lastDim() != ws.dim(1)) {
            throw new IllegalArgumentException("linear: input " + xs + " does not match weight " + ws
                    + " (expected input [..., in] and weight [out, in])");
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != ws.dim(0))) {
            throw new IllegalArgumentException("linear: bias " + bias.shape() + " does not match weight " + ws);
        }
        requireSameDType("linear", x, weight);
        if (bias != null) requireSameDType("linear", x, bias);
        int rows = xs.rows(), in = ws.dim(1), outputs = ws.dim(0);
        int[] outDims = xs.dims();
        outDims[outDims.length - 1] = outputs;
        Tensor y = x.engine().empty(x.dtype(), outDims);
        Tensor x2 = x.value().reshape(rows, in), y2 = y.reshape(rows, outputs);
        Tensor.gemm(false, true, 1.0, x2, weight.value(), 0.0, y2);
        if (bias != null) y2.addInPlace(bias.value());
        return record(y, g -> {
            Tensor g2 = g.reshape(rows, outputs);
            if (x.requiresGrad()) {
                x.accumulate((dx, add) -> Tensor.gemm(false, false, 1.0, g2, weight.value(), beta(add), dx.reshape(rows, in)));
            }
            if (weight.requiresGrad()) weight.accumulate((dW, add) -> Tensor.gemm(true, false, 1.0, g2, x2, beta(add), dW));
            if (bias != null && bias.requiresGrad()) bias.accumulate(g2.sumRows());
        }, x, weight, bias);
    }

    // ---- regularisation --------------------------------------------------------------------------

    /**
     * Inverted dropout: while {@code training}, each element is kept with probability 1 - p and
     * scaled by 1 / (1 - p), else zeroed; the mask is (uniform(seed) >= p) / (1 - p), from the
     * engine's counter-based random numbers, so one seed gives one mask on every engine. Returns
     * x itself when not training or p == 0; zeros when p == 1.
     *
     * @param x the input
     * @param p the probability that an element is zeroed, in [0, 1]
     * @param training whether to drop at all (false in evaluation)
     * @param seed the mask's seed: use a new one each step, the same one to reproduce a step
     * @return the masked and scaled values, new, of x's shape; x itself when nothing is dropped
     * @throws IllegalArgumentException if p lies outside [0, 1] (or is NaN)
     */
    public static Variable dropout(Variable x, double p, boolean training, long seed) {
        return dropout(x, p, training, Seed.of(seed));
    }

    /**
     * {@link #dropout(Variable, double, boolean, long)} with the mask's seed as a {@link Seed},
     * which may live in device memory: the kernel reads it there, so a captured training step draws
     * a new mask at every replay. The same seed value gives the same mask either way.
     *
     * @param x the input
     * @param p the probability that an element is zeroed, in [0, 1]
     * @param training whether to drop at all (false in evaluation)
     * @param seed the mask's seed
     * @return the masked and scaled values, new, of x's shape; x itself when nothing is dropped
     * @throws IllegalArgumentException if p lies outside [0, 1] (or is NaN)
     */
    public static Variable dropout(Variable x, double p, boolean training, Seed seed) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout probability must lie in [0, 1], got " + p);
        if (!training || p == 0) return x;
        Engine e = x.engine();
        Tensor mask;
        if (p == 1) {
            mask = e.zeros(x.dtype(), x.shape()); // (u >= 1) / 0 would be 0 / 0
        } else {
            try (Tensor u = e.uniform(x.dtype(), seed, 0, 1, x.shape().dims()); Tensor kept = u.ge(p)) {
                mask = kept.div(1 - p);
            }
        }
        Tensor y = x.value().mul(mask);
        return record(y, g -> x.accumulate(g.mul(mask)), new Tensor[]{mask}, x);
    }

    // ---- loss ----------------------------------------------------------------------------------

    /**
     * Mean softmax cross-entropy of logits [N, C] against targets (INT32 [N]).
     *
     * @param logits the scores, floating [N, C]
     * @param targets the classes, INT32 [N] in [0, C) or {@link #DEFAULT_IGNORE_INDEX} for a row that counts
     *     for nothing
     * @return the mean loss, a rank-0 variable
     */
    public static Variable crossEntropy(Variable logits, Tensor targets) {
        return crossEntropy(logits, targets, DEFAULT_IGNORE_INDEX);
    }

    /**
     * Mean over the rows whose target is not {@code ignoreIndex} of logsumexp(x) - x[target]; the
     * ignored rows contribute no loss and no gradient (NaN loss when every row is ignored, as in
     * PyTorch). The fused kernel computes the logits' gradient in the same pass; backward scales it.
     *
     * @param logits the scores, floating [N, C]
     * @param targets the classes, INT32 [N] in [0, C) or equal to ignoreIndex
     * @param ignoreIndex the target value whose rows count for nothing
     * @return the mean loss, a rank-0 variable
     */
    public static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex) {
        Tensor.LossAndGradient lg = logits.value().softmaxCrossEntropy(targets, ignoreIndex);
        Tensor saved = lg.dLogits();
        Tensor[] owned = {saved};
        return record(lg.loss(), g -> {
            // Scaled on the device, never read back (a captured step must not wait for the device);
            // the seed of ones, the usual case, needs no scaling at all.
            if (!Tape.isUnitSeed(g)) saved.applyInPlace(BinaryOp.MUL, g);
            owned[0] = null; // the gradient's now: the tape must not close it
            logits.accumulateOwned(saved);
        }, owned, logits);
    }

    /**
     * Softmax cross-entropy with PyTorch's options: logits [N, C], targets INT32 [N] in [0, C) or
     * equal to {@code ignoreIndex}. With label smoothing e the target distribution is (1 - e) on
     * the target class plus e / C on every class, so row r's loss is
     * (1 - e) (lse_r - x_r[t_r]) + e * mean_c (lse_r - x_r[c]), lse_r being logsumexp(x_r); ignored
     * rows have loss 0. {@code reduction} MEAN divides the sum by the number of rows not ignored
     * (NaN when there are none), SUM adds, NONE gives the [N] losses. MEAN without smoothing is the
     * fused kernel of {@link #crossEntropy(Variable, Tensor, int)}; the other cases read the targets
     * to the host once.
     *
     * @param logits the scores, floating [N, C]
     * @param targets the classes, INT32 [N] in [0, C) or equal to ignoreIndex
     * @param ignoreIndex the target value whose rows count for nothing
     * @param reduction MEAN, SUM or NONE; not null
     * @param labelSmoothing e in [0, 1]; 0 for none
     * @return a rank-0 loss, or [N] losses for NONE
     * @throws IllegalArgumentException if the reduction is null, the smoothing lies outside [0, 1], or the
     *     shapes or dtypes are not as described
     * @throws IndexOutOfBoundsException if a target lies outside [0, C) and is not ignoreIndex
     */
    public static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex, Reduction reduction,
                                        double labelSmoothing) {
        if (reduction == null) throw new IllegalArgumentException("crossEntropy: reduction must not be null");
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must lie in [0, 1], got " + labelSmoothing);
        }
        if (reduction == Reduction.MEAN && labelSmoothing == 0) return crossEntropy(logits, targets, ignoreIndex);
        Shape ls = logits.shape();
        if (ls.rank() != 2 || !logits.dtype().isFloating()) {
            throw new IllegalArgumentException("crossEntropy: logits must be floating [N, C], got " + logits.dtype() + " " + ls);
        }
        int n = ls.dim(0), classes = ls.dim(1);
        if (targets.dtype() != DType.INT32 || targets.rank() != 1 || targets.shape().dim(0) != n) {
            throw new IllegalArgumentException("crossEntropy: targets " + targets.dtype() + " " + targets.shape()
                    + " do not match logits shape " + ls + " (expected INT32 [" + n + "])");
        }
        Tensor.checkIndices(targets, classes, ignoreIndex);
        int[] t = targets.toIntArray();
        int[] position = new int[n];
        double[] counts = new double[n];
        int counted = 0;
        for (int r = 0; r < n; r++) {
            boolean ignored = t[r] == ignoreIndex;
            position[r] = r * classes + (ignored ? 0 : t[r]); // an ignored row picks any element, masked below
            counts[r] = ignored ? 0 : 1;
            if (!ignored) counted++;
        }
        Engine e = logits.engine();
        Variable logp = logSoftmax(logits, 1);
        Variable picked = reshape(embedding(reshape(logp, n * classes, 1), e.fromInts(position, n)), n);
        Variable rowLoss = mul(picked, -(1 - labelSmoothing));
        if (labelSmoothing > 0) rowLoss = sub(rowLoss, mul(mean(logp, 1, false), labelSmoothing));
        rowLoss = mul(rowLoss, Variable.constant(e.fromDoubles(logits.dtype(), counts, n)));
        return switch (reduction) {
            case NONE -> rowLoss;
            case SUM -> sum(rowLoss);
            case MEAN -> div(sum(rowLoss), counted); // 0 / 0 = NaN when every row is ignored, as in PyTorch
        };
    }

    // ---- recurrent -----------------------------------------------------------------------------

    /**
     * A tanh RNN over T timesteps, time-major: x [T, B, E], h0 [B, H] (null for zeros), weightIH
     * [H, E], weightHH [H, H], bias [H]. Returns every hidden state, [T, B, H], with
     * h_t = tanh(x_t weightIH^T + h_{t-1} weightHH^T + bias). One tape node: the input projection of
     * all timesteps is one GEMM forward and two backward; the recurrence is one small GEMM per step
     * each way.
     *
     * @param x the input sequence, [T, B, E]
     * @param h0 the initial hidden state, [B, H], or null for zeros
     * @param weightIH the input weight, [H, E]
     * @param weightHH the recurrent weight, [H, H]
     * @param bias the bias, [H] (PyTorch's b_ih + b_hh as one)
     * @return the hidden states, new, [T, B, H]
     * @throws IllegalArgumentException if a shape does not match, or the dtypes or engines differ
     */
    public static Variable rnnTanh(Variable x, Variable h0, Variable weightIH, Variable weightHH, Variable bias) {
        Shape xs = x.shape();
        if (xs.rank() != 3) throw new IllegalArgumentException("rnnTanh: input must be [T, B, E], got " + xs);
        int steps = xs.dim(0), batch = xs.dim(1), in = xs.dim(2);
        Shape wih = weightIH.shape(), whh = weightHH.shape();
        if (wih.rank() != 2 || wih.dim(1) != in) {
            throw new IllegalArgumentException("rnnTanh: weightIH " + wih + " does not match input " + xs
                    + " (expected [H, " + in + "])");
        }
        int hidden = wih.dim(0);
        if (!whh.equals(Shape.of(hidden, hidden))) {
            throw new IllegalArgumentException("rnnTanh: weightHH " + whh + " does not match weightIH " + wih
                    + " (expected [" + hidden + ", " + hidden + "])");
        }
        if (!bias.shape().equals(Shape.of(hidden))) {
            throw new IllegalArgumentException("rnnTanh: bias " + bias.shape() + " does not match hidden size " + hidden);
        }
        if (h0 != null && !h0.shape().equals(Shape.of(batch, hidden))) {
            throw new IllegalArgumentException("rnnTanh: h0 " + h0.shape() + " does not match [" + batch + ", " + hidden + "]");
        }
        for (Variable v : new Variable[]{weightIH, weightHH, bias, h0}) {
            if (v != null) requireSameDType("rnnTanh", x, v);
        }
        int rows = steps * batch;
        Tensor out = x.engine().empty(x.dtype(), steps, batch, hidden);
        Tensor out2 = out.reshape(rows, hidden);
        Tensor x2 = x.value().reshape(rows, in);
        Tensor.gemm(false, true, 1.0, x2, weightIH.value(), 0.0, out2);
        out2.addInPlace(bias.value());
        if (steps > 0) Tensor.rnnTanhSequenceForward(out, weightHH.value(), h0 == null ? null : h0.value());
        return record(out, g -> {
            // g starts as dL/dh_t and becomes dL/dpre_t in place, step by step from the last (the
            // output's gradient is the tape's scratch once this node has it).
            Tensor g2 = g.reshape(rows, hidden);
            Tensor g0 = steps > 0 ? g2.slice(0, batch) : null; // dL/dpre_0, once the backward below has run
            Tensor w = weightHH.value();
            if (steps > 0) Tensor.rnnTanhSequenceBackward(out, w, g);
            if (h0 != null && h0.requiresGrad() && steps > 0) {
                h0.accumulate((dh, add) -> Tensor.gemm(false, false, 1.0, g0, w, beta(add), dh));
            }
            if (weightHH.requiresGrad() && (steps > 1 || (h0 != null && steps > 0))) {
                weightHH.accumulate((dW, add) -> {
                    double beta = beta(add);
                    if (steps > 1) {
                        int n = (steps - 1) * batch;
                        Tensor.gemm(true, false, 1.0, g2.slice(batch, rows), out2.slice(0, n), beta, dW);
                        beta = 1.0;
                    }
                    if (h0 != null) Tensor.gemm(true, false, 1.0, g0, h0.value(), beta, dW);
                });
            }
            if (weightIH.requiresGrad()) weightIH.accumulate((dW, add) -> Tensor.gemm(true, false, 1.0, g2, x2, beta(add), dW));
            if (bias.requiresGrad()) bias.accumulate(g2.sumRows());
            if (x.requiresGrad()) {
                x.accumulate((dx, add) -> Tensor.gemm(false, false, 1.0, g2, weightIH.value(), beta(add), dx.reshape(rows, in)));
            }
        }, x, h0, weightIH, weightHH, bias);
    }

    /**
     * What {@link #lstm} returns: every hidden state [T, B, H] and the last hidden and cell states
     * [B, H], all three differentiable (a loss may use any of them).
     *
     * @param output the hidden states, [T, B, H]
     * @param lastHidden the last hidden state, [B, H]
     * @param lastCell the last cell state, [B, H]
     */
    public record LstmOutput(Variable output, Variable lastHidden, Variable lastCell) {
    }

    /**
     * One LSTM layer over T timesteps, exactly PyTorch's nn.LSTM (gate order i, f, g, o), time-major:
     * x [T, B, E], h0 and c0 [B, H] (null for zeros), weightIH [4H, E], weightHH [4H, H], biasIH and
     * biasHH [4H] (both null for none). With gates = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh:
     * c_t = f c_{t-1} + i g, h_t = o tanh(c_t). One tape node: the input projection of all
     * timesteps is one GEMM, the recurrence one small GEMM and one fused cell kernel per step each
     * way (one call of Backend's lstmSequence methods), and the weight gradients one GEMM each.
     *
     * @param x the input sequence, [T, B, E] with T at least 1
     * @param h0 the initial hidden state, [B, H], or null for zeros
     * @param c0 the initial cell state, [B, H], or null for zeros
     * @param weightIH the input weight, [4H, E]
     * @param weightHH the recurrent weight, [4H, H]
     * @param biasIH the input bias, [4H], or null (together with biasHH)
     * @param biasHH the recurrent bias, [4H], or null (together with biasIH)
     * @return the hidden states [T, B, H] and the last hidden and cell states [B, H], all three views of one
     *     new tensor
     * @throws IllegalArgumentException if the sequence is empty, a shape does not match, only one bias is
     *     given, or the dtypes or engines differ
     */
    public static LstmOutput lstm(Variable x, Variable h0, Variable c0, Variable weightIH, Variable weightHH,
                                  Variable biasIH, Variable biasHH) {
        RecurrentSizes n = RecurrentSizes.check("lstm", 4, x, h0, c0, weightIH, weightHH, biasIH, biasHH);
        int steps = n.steps, batch = n.batch, hidden = n.hidden, rows = steps * batch;
        Engine e = x.engine();
        // The result is [T + 1, B, H]: the T hidden states, then the last cell state, so that one
        // tape node can hand gradients to all three outputs (slices of it).
        Tensor packed = e.empty(x.dtype(), steps + 1, batch, hidden);
        Tensor out2 = packed.slice(0, steps).reshape(rows, hidden);
        Tensor gates = e.empty(x.dtype(), rows, 4 * hidden);
        Tensor cells = e.empty(x.dtype(), rows, hidden);
        Tensor zeros = h0 == null || c0 == null ? e.zeros(x.dtype(), batch, hidden) : null;
        Tensor hInit = h0 == null ? zeros : h0.value(), cInit = c0 == null ? zeros : c0.value();
        projectInputs(x, weightIH, biasIH, biasHH, gates, n);
        Tensor.lstmSequenceForward(gates.reshape(steps, batch, 4 * hidden), weightHH.value(), hInit, h0 == null, cInit,
                cells.reshape(steps, batch, hidden), packed.slice(0, steps));
        packed.slice(steps, steps + 1).reshape(batch, hidden).copyFromInPlace(cells.slice(rows - batch, rows));
        Variable all = record(packed, grad -> {
            // dc carries the cell gradient back through time in place: dL/dc_T on entry (the last
            // slab, the tape's scratch once this node has it), dL/dc0 at the end.
            Tensor dc = grad.slice(steps, steps + 1).reshape(batch, hidden);
            Tensor dGates = e.empty(x.dtype(), rows, 4 * hidden);
            Tensor.lstmSequenceBackward(gates.reshape(steps, batch, 4 * hidden), weightHH.value(), cInit,
                    cells.reshape(steps, batch, hidden), grad.slice(0, steps), dc, dGates.reshape(steps, batch, 4 * hidden));
            if (h0 != null && h0.requiresGrad()) {
                h0.accumulate((dh0, add) -> Tensor.gemm(false, false, 1.0, dGates.slice(0, batch), weightHH.value(), beta(add), dh0));
            }
            if (c0 != null && c0.requiresGrad()) c0.accumulate(dc);
            accumulateProjections(x, h0, weightIH, weightHH, biasIH, biasHH, dGates, dGates, out2, n);
        }, new Tensor[]{gates, cells, zeros}, x, h0, c0, weightIH, weightHH, biasIH, biasHH);
        Variable output = slice(all, 0, steps);
        return new LstmOutput(output, reshape(slice(all, steps - 1, steps), batch, hidden),
                reshape(slice(all, steps, steps + 1), batch, hidden));
    }

    /**
     * One GRU layer over T timesteps, exactly PyTorch's nn.GRU (gate order r, z, n), time-major:
     * x [T, B, E], h0 [B, H] (null for zeros), weightIH [3H, E], weightHH [3H, H], biasIH and biasHH
     * [3H] (both null for none). r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr), z likewise,
     * n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h_t = (1 - z) n + z h_{t-1}. Returns every
     * hidden state, [T, B, H] (the last one is the final state). One tape node, built like {@link #lstm}.
     *
     * @param x the input sequence, [T, B, E] with T at least 1
     * @param h0 the initial hidden state, [B, H], or null for zeros
     * @param weightIH the input weight, [3H, E]
     * @param weightHH the recurrent weight, [3H, H]
     * @param biasIH the input bias, [3H], or null (together with biasHH)
     * @param biasHH the recurrent bias, [3H], or null (together with biasIH)
     * @return the hidden states, new, [T, B, H]
     * @throws IllegalArgumentException if the sequence is empty, a shape does not match, only one bias is
     *     given, or the dtypes or engines differ
     */
    public static Variable gru(Variable x, Variable h0, Variable weightIH, Variable weightHH, Variable biasIH,
                               Variable biasHH) {
        RecurrentSizes n = RecurrentSizes.check("gru", 3, x, h0, null, weightIH, weightHH, biasIH, biasHH);
        int steps = n.steps, batch = n.batch, hidden = n.hidden, rows = steps * batch;
        Engine e = x.engine();
        Tensor out = e.empty(x.dtype(), steps, batch, hidden);
        Tensor out2 = out.reshape(rows, hidden);
        Tensor gates = e.empty(x.dtype(), rows, 3 * hidden);
        Tensor hiddenProj = e.empty(x.dtype(), rows, 3 * hidden);
        Tensor zeros = h0 == null ? e.zeros(x.dtype(), batch, hidden) : null;
        Tensor hInit = h0 == null ? zeros : h0.value();
        projectInputs(x, weightIH, biasIH, null, gates, n);
        if (biasHH != null) hiddenProj.copyFromInPlace(biasHH.value());
        else hiddenProj.zeroInPlace();
        int[] gateSteps = {steps, batch, 3 * hidden};
        Tensor.gruSequenceForward(gates.reshape(gateSteps), hiddenProj.reshape(gateSteps), weightHH.value(), hInit,
                h0 == null, out);
        return record(out, grad -> {
            Tensor dGi = e.empty(x.dtype(), rows, 3 * hidden), dGh = e.empty(x.dtype(), rows, 3 * hidden);
            // Step 0 adds dh z into this (kept as dL/dh0's direct part when h0 takes a gradient).
            Tensor dh0 = e.zeros(x.dtype(), batch, hidden);
            Tensor.gruSequenceBackward(gates.reshape(gateSteps), hiddenProj.reshape(gateSteps), weightHH.value(), hInit, out,
                    grad, dGi.reshape(gateSteps), dGh.reshape(gateSteps), dh0);
            if (h0 != null && h0.requiresGrad()) {
                Tensor.gemm(false, false, 1.0, dGh.slice(0, batch), weightHH.value(), 1.0, dh0);
                h0.accumulate(dh0);
            }
            accumulateProjections(x, h0, weightIH, weightHH, biasIH, biasHH, dGi, dGh, out2, n);
        }, new Tensor[]{gates, hiddenProj, zeros}, x, h0, weightIH, weightHH, biasIH, biasHH);
    }

    /** The sizes of a recurrent layer's operands, checked: T, B, E (input) and H. */
    private record RecurrentSizes(int steps, int batch, int input, int hidden) {
        static RecurrentSizes check(String op, int gateCount, Variable x, Variable h0, Variable c0, Variable weightIH,
                                    Variable weightHH, Variable biasIH, Variable biasHH) {
            if (x == null || weightIH == null || weightHH == null) {
                throw new IllegalArgumentException(op + ": input and weights must not be null");
            }
            Shape xs = x.shape(), wih = weightIH.shape(), whh = weightHH.shape();
            if (xs.rank() != 3) throw new IllegalArgumentException(op + ": input must be [T, B, E], got " + xs);
            int steps = xs.dim(0), batch = xs.dim(1), in = xs.dim(2);
            if (steps == 0) throw new IllegalArgumentException(op + ": the sequence is empty (input " + xs + ")");
            if (wih.rank() != 2 || wih.dim(1) != in || wih.dim(0) % gateCount != 0 || wih.dim(0) == 0) {
                throw new IllegalArgumentException(op + ": weightIH " + wih + " does not match input " + xs + " (expected ["
                        + gateCount + " * H, " + in + "])");
            }
            int hidden = wih.dim(0) / gateCount;
            if (!whh.equals(Shape.of(gateCount * hidden, hidden))) {
                throw new IllegalArgumentException(op + ": weightHH " + whh + " does not match weightIH " + wih + " (expected ["
                        + gateCount * hidden + ", " + hidden + "])");
            }
            if ((biasIH == null) != (biasHH == null)) {
                throw new IllegalArgumentException(op + ": give both biases or neither");
            }
            for (Variable b : new Variable[]{biasIH, biasHH}) {
                if (b != null && !b.shape().equals(Shape.of(gateCount * hidden))) {
                    throw new IllegalArgumentException(op + ": bias " + b.shape() + " does not match [" + gateCount * hidden + "]");
                }
            }
            for (Variable s : new Variable[]{h0, c0}) {
                if (s != null && !s.shape().equals(Shape.of(batch, hidden))) {
                    throw new IllegalArgumentException(op + ": initial state " + s.shape() + " does not match [" + batch + ", "
                            + hidden + "]");
                }
            }
            for (Variable v : new Variable[]{weightIH, weightHH, biasIH, biasHH, h0, c0}) {
                if (v != null) requireSameDType(op, x, v);
            }
            return new RecurrentSizes(steps, batch, in, hidden);
        }
    }

    /**
     * gates [T B, G H] = x W_ih^T + b_ih (+ b_hh when given): the input projection of every
     * timestep at once. The biases are written first and the product added onto them, one pass
     * over the gates instead of one per bias after it.
     */
    private static void projectInputs(Variable x, Variable weightIH, Variable biasIH, Variable biasHH, Tensor gates,
                                      RecurrentSizes n) {
        Tensor x2 = x.value().reshape(n.steps * n.batch, n.input);
        if (biasIH == null) {
            Tensor.gemm(false, true, 1.0, x2, weightIH.value(), 0.0, gates);
            return;
        }
        if (biasHH == null) {
            gates.copyFromInPlace(biasIH.value());
        } else {
            try (Tensor both = biasIH.value().add(biasHH.value())) {
                gates.copyFromInPlace(both);
            }
        }
        Tensor.gemm(false, true, 1.0, x2, weightIH.value(), 1.0, gates);
    }

    /**
     * The gradients that go through a recurrent layer's two projections once the pre-activation
     * gradients are known for every timestep: dGi [T B, G H] those of x W_ih^T + b_ih, dGh those of
     * h W_hh^T + b_hh (the same tensor for the LSTM). W_hh's gradient pairs step t's dGh with
     * h_{t-1}: the outputs shifted by one step, plus h0 at step 0 when given.
     */
    private static void accumulateProjections(Variable x, Variable h0, Variable weightIH, Variable weightHH,
                                              Variable biasIH, Variable biasHH, Tensor dGi, Tensor dGh, Tensor out2,
                                              RecurrentSizes n) {
        int steps = n.steps, batch = n.batch, rows = steps * batch;
        Tensor x2 = x.value().reshape(rows, n.input);
        if (weightHH.requiresGrad()) {
            weightHH.accumulate((dW, add) -> {
                double beta = beta(add);
                if (steps > 1) {
                    Tensor.gemm(true, false, 1.0, dGh.slice(batch, rows), out2.slice(0, rows - batch), beta, dW);
                    beta = 1.0;
                }
                if (h0 != null) Tensor.gemm(true, false, 1.0, dGh.slice(0, batch), h0.value(), beta, dW);
                else if (beta == 0.0) dW.zeroInPlace();
            });
        }
        if (weightIH.requiresGrad()) weightIH.accumulate((dW, add) -> Tensor.gemm(true, false, 1.0, dGi, x2, beta(add), dW));
        if (biasIH != null && (biasIH.requiresGrad() || biasHH.requiresGrad())) {
            // Both biases take the column sums of their pre-activation gradients: one sum when the two
            // are the same tensor (the LSTM).
            Tensor dbIH = dGi.sumRows(), dbHH = dGh == dGi ? dbIH : dGh.sumRows();
            if (biasIH.requiresGrad()) biasIH.accumulate(dbIH);
            if (biasHH.requiresGrad()) biasHH.accumulate(dbHH);
        }
        if (x.requiresGrad()) {
            x.accumulate((dx, add) -> Tensor.gemm(false, false, 1.0, dGi, weightIH.value(), beta(add), dx.reshape(rows, n.input)));
        }
    }

    // ---- plumbing ------------------------------------------------------------------------------

    static boolean needsRecording(Variable... inputs) {
        if (Tape.active() == null) return false;
        for (Variable v : inputs) {
            if (v != null && v.requiresGrad()) return true;
        }
        return false;
    }

    private static Variable record(Tensor value, Tape.Backward backward, Variable... inputs) {
        return record(value, backward, new Tensor[0], inputs);
    }

    /**
     * The op's result: a recorded intermediate when a tape records and an input takes a gradient,
     * else a constant. {@code owned} are tensors the forward made for the backward alone: the tape
     * closes them when it is released, or they are closed now when nothing is recorded.
     */
    private static Variable record(Tensor value, Tape.Backward backward, Tensor[] owned, Variable... inputs) {
        if (!needsRecording(inputs)) {
            for (Tensor t : owned) {
                if (t != null) t.close();
            }
            return Variable.constant(value);
        }
        Variable out = Variable.intermediate(value);
        Tape.active().add(out, backward, owned, inputs);
        return out;
    }

    /** A gradient in an op's broadcast output shape, summed down to the input's shape and added. */
    private static void accumulateSummed(Variable v, Tensor contribution) {
        if (contribution == null) return; // the op passes no gradient into this input
        v.accumulate(contribution.shape().equals(v.shape()) ? contribution : contribution.sumTo(v.shape()));
    }

    /** A gradient for rows [start, start + g's rows) of the first dimension, written into the whole. */
    private static Variable.GradientWriter intoRows(Tensor g, int start) {
        int end = start + g.shape().dim(0);
        return (dx, add) -> {
            Tensor rows = dx.slice(start, end);
            if (add) {
                rows.addInPlace(g);
            } else {
                dx.slice(0, start).zeroInPlace();
                dx.slice(end, dx.shape().dim(0)).zeroInPlace();
                rows.copyFromInPlace(g);
            }
        };
    }

    /** Elements [start, start + length) of g along axis a: a view along the first axis, else a copy. */
    private static Tensor piece(Tensor g, int a, int start, int length) {
        return a == 0 ? g.slice(start, start + length) : g.narrow(a, start, length);
    }

    private static Tensor[] values(Variable[] parts) {
        Tensor[] values = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] == null) throw new IllegalArgumentException("part " + i + " is null");
            values[i] = parts[i].value();
        }
        return values;
    }

    /** GEMM's beta for a contribution: 1 to add into the gradient, 0 to write over it. */
    private static double beta(boolean add) {
        return add ? 1.0 : 0.0;
    }

    private static void requireOp(Object op) {
        if (op == null) throw new IllegalArgumentException("op must not be null");
    }

    private static void requireSameDType(String op, Variable a, Variable b) {
        if (a.engine() != b.engine()) {
            throw new IllegalArgumentException(op + ": " + a.shape() + " and " + b.shape() + " live on different engines");
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes " + a.dtype() + " " + a.shape() + " and " + b.dtype() + " "
                    + b.shape() + " differ");
        }
    }
}
