package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Scope;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every entry of the op table, through F, against float64 central differences: the unary ops, the
 * binary ops with broadcasting on either side and with a scalar on either side, the reductions
 * along every axis with and without the axis kept. Entries without a gradient give constants.
 */
class OpTableGradientTest extends GradTestCase {
    // ---- unary ---------------------------------------------------------------------------------

    @Test
    void everyDifferentiableUnaryOp() {
        int checked = 0;
        for (UnaryOp op : UnaryOp.values()) {
            if (!op.differentiable()) continue;
            boolean positiveOnly = op == UnaryOp.LOG || op == UnaryOp.SQRT;
            Variable x = param("x", positiveOnly ? positive(15) : awayFromZero(15), 3, 5);
            check(op.opName(), List.of(x), () -> weightedSum(F.apply(op, x)));
            assertArrayEquals(x.value().apply(op).toDoubleArray(), F.apply(op, x).value().toDoubleArray(), 0.0, op.opName());
            checked++;
        }
        assertTrue(checked >= 8, "the table has at least 8 differentiable unary ops, checked " + checked);
    }

    @Test
    void namedUnaryFunctionsAreTheTableEntries() {
        Variable x = param("x", positive(7), 7);
        assertSameValues(F.apply(UnaryOp.EXP, x), F.exp(x));
        assertSameValues(F.apply(UnaryOp.LOG, x), F.log(x));
        assertSameValues(F.apply(UnaryOp.SIGMOID, x), F.sigmoid(x));
        assertSameValues(F.apply(UnaryOp.RELU, x), F.relu(x));
        assertSameValues(F.apply(UnaryOp.NEG, x), F.neg(x));
        assertSameValues(F.apply(UnaryOp.SQRT, x), F.sqrt(x));
        assertSameValues(F.apply(UnaryOp.ABS, x), F.abs(x));
        assertSameValues(F.apply(UnaryOp.TANH, x), F.tanh(x));
        assertSameValues(F.apply(UnaryOp.SIGN, x), F.sign(x));
    }

    /** TANH writes its gradient straight into the input's: the same numbers as the table's formula. */
    @Test
    void tanhShortcutMatchesTheTableFormula() {
        Variable x = param("x", uniform(11), 11);
        Variable g = constant(uniform(11), 11);
        backward(() -> F.sum(F.mul(F.tanh(x), g)), x);
        double[] shortcut = x.grad().toDoubleArray();
        double[] formula;
        try (Scope s = e.scope()) {
            var y = x.value().tanh();
            formula = UnaryOp.TANH.gradient().of(x.value(), y, g.value()).toDoubleArray();
        }
        assertArrayEquals(formula, shortcut, 0.0);
    }

    // ---- binary --------------------------------------------------------------------------------

    /** Pairs of shapes: equal, b broadcast, a broadcast, both broadcast (a [3, 1, 5] against b [4, 1]). */
    private static final int[][][] SHAPES = {
            {{3, 5}, {3, 5}},
            {{3, 5}, {5}},
            {{5}, {3, 5}},
            {{2, 3, 5}, {3, 1}},
            {{3, 1, 5}, {4, 1}},
    };

    @Test
    void everyDifferentiableBinaryOpWithBroadcastingOnEitherSide() {
        int checked = 0;
        for (BinaryOp op : BinaryOp.values()) {
            if (!op.differentiable() || op == BinaryOp.MASK) continue;
            for (int[][] shapes : SHAPES) {
                Variable a = param("a", values(op, 0, numel(shapes[0])), shapes[0]);
                Variable b = param("b", values(op, 1, numel(shapes[1])), shapes[1]);
                String what = op.opName() + " " + Arrays.toString(shapes[0]) + " with "
                        + Arrays.toString(shapes[1]);
                check(what, List.of(a, b), () -> weightedSum(F.apply(op, a, b)));
                checked++;
            }
        }
        assertTrue(checked >= 6 * SHAPES.length, "checked " + checked);
    }

    @Test
    void everyDifferentiableBinaryOpWithAScalarOnEitherSide() {
        for (BinaryOp op : BinaryOp.values()) {
            if (!op.differentiable() || op == BinaryOp.MASK) continue;
            // The scalar sits between the grid points of values(op, ...), so maximum never ties.
            double scalar = op == BinaryOp.DIV ? -1.3 : 0.025;
            Variable a = param("a", values(op, 1, 15), 3, 5);
            check(op.opName() + " (a, scalar)", List.of(a), () -> weightedSum(F.apply(op, a, scalar)));
            check(op.opName() + " (scalar, a)", List.of(a), () -> weightedSum(F.apply(op, scalar, a)));
        }
    }

    @Test
    void namedBinaryFunctionsAreTheTableEntries() {
        Variable a = param("a", awayFromZero(6), 2, 3);
        Variable b = param("b", awayFromZero(3), 3);
        assertSameValues(F.apply(BinaryOp.ADD, a, b), F.add(a, b));
        assertSameValues(F.apply(BinaryOp.SUB, a, b), F.sub(a, b));
        assertSameValues(F.apply(BinaryOp.MUL, a, b), F.mul(a, b));
        assertSameValues(F.apply(BinaryOp.DIV, a, b), F.div(a, b));
        assertSameValues(F.apply(BinaryOp.MAXIMUM, a, b), F.maximum(a, b));
        assertSameValues(F.apply(BinaryOp.MINIMUM, a, b), F.minimum(a, b));
        assertSameValues(F.apply(BinaryOp.ADD, a, 0.5), F.add(a, 0.5));
        assertSameValues(F.apply(BinaryOp.SUB, a, 0.5), F.sub(a, 0.5));
        assertSameValues(F.apply(BinaryOp.SUB, 0.5, a), F.rsub(a, 0.5));
        assertSameValues(F.apply(BinaryOp.MUL, a, 0.5), F.mul(a, 0.5));
        assertSameValues(F.apply(BinaryOp.MUL, a, 0.5), F.scale(a, 0.5));
        assertSameValues(F.apply(BinaryOp.DIV, a, 0.5), F.div(a, 0.5));
        assertSameValues(F.apply(BinaryOp.MAXIMUM, a, 0.5), F.maximum(a, 0.5));
        assertSameValues(F.apply(BinaryOp.MINIMUM, a, 0.5), F.minimum(a, 0.5));
    }

    /** MASK passes the gradient to a where the mask is non-zero and none into the mask itself. */
    @Test
    void maskPassesGradientToTheMaskedSideOnly() {
        Variable a = param("a", uniform(15), 3, 5);
        double[] m = new double[5];
        for (int i = 0; i < m.length; i++) m[i] = random.nextInt(3) == 0 ? 0 : random.nextDouble(0.5, 2);
        Variable mask = param("mask", m, 5);
        check("mask, a", List.of(a), () -> weightedSum(F.apply(BinaryOp.MASK, a, mask)));
        backward(() -> weightedSum(F.apply(BinaryOp.MASK, a, mask)), a, mask);
        assertArrayEquals(new double[5], mask.grad().toDoubleArray(), 0.0, "no gradient flows into the mask");
        double[] ga = a.grad().toDoubleArray();
        for (int i = 0; i < 15; i++) {
            if (m[i % 5] == 0) assertEquals(0.0, ga[i], 0.0, "element " + i + " is masked out");
        }
    }

    /** where routes each element's gradient to the side it took, through a broadcast condition. */
    @Test
    void whereRoutesTheGradientToTheChosenSide() {
        Variable a = param("a", uniform(12), 3, 4), b = param("b", uniform(4), 4);
        double[] c = {1, 0, 2};
        Variable condition = constant(c, 3, 1);
        check("where", List.of(a, b), () -> weightedSum(F.where(condition.value(), a, b)));
        backward(() -> F.sum(F.where(condition.value(), a, b)), a, b);
        double[] ga = a.grad().toDoubleArray(), gb = b.grad().toDoubleArray();
        for (int i = 0; i < 12; i++) assertEquals(c[i / 4] != 0 ? 1.0 : 0.0, ga[i], 0.0, "a[" + i + "]");
        for (int j = 0; j < 4; j++) assertEquals(1.0, gb[j], 0.0, "b[" + j + "] is taken in one row");
        Variable infinite = constant(new double[]{Double.POSITIVE_INFINITY, 5}, 2);
        Variable finite = constant(new double[]{7, Double.NaN}, 2);
        double[] picked = F.where(e.fromDoubles(new double[]{0, 1}, 2), infinite, finite).value().toDoubleArray();
        assertArrayEquals(new double[]{7, 5}, picked, 0.0, "the side not chosen never leaks in");
    }

    /** At a tie maximum and minimum split the gradient evenly, as PyTorch does. */
    @Test
    void maximumAndMinimumSplitTheGradientAtTies() {
        Variable a = param("a", new double[]{1, 2, 3, -1}, 4);
        Variable b = param("b", new double[]{1, 5, 0, -1}, 4);
        backward(() -> F.sum(F.maximum(a, b)), a, b);
        assertArrayEquals(new double[]{0.5, 0, 1, 0.5}, a.grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[]{0.5, 1, 0, 0.5}, b.grad().toDoubleArray(), 0.0);
        backward(() -> F.sum(F.minimum(a, b)), a, b);
        assertArrayEquals(new double[]{0.5, 1, 0, 0.5}, a.grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[]{0.5, 0, 1, 0.5}, b.grad().toDoubleArray(), 0.0);
    }

    /**
     * Comparisons and sign have no gradient: their results are constants, nothing is recorded for
     * them, and a loss that depends on the inputs only through them is refused by backward.
     */
    @Test
    void nonDifferentiableEntriesGiveConstants() {
        Variable a = param("a", distinct(15, 0), 3, 5);
        Variable b = param("b", distinct(5, 0.05), 5);
        int refused = 0;
        for (BinaryOp op : BinaryOp.values()) {
            if (op.differentiable()) continue;
            assertNull(op.gradient(), op.opName());
            try (Tape tape = Tape.record()) {
                Variable c = F.apply(op, a, b);
                Variable s = F.apply(op, a, 0.0);
                assertFalse(c.requiresGrad() || s.requiresGrad(), op.opName() + " gives a constant");
                assertEquals(0, tape.size(), op.opName() + " records nothing");
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> tape.backward(F.sum(c)));
                assertTrue(ex.getMessage().contains("takes no gradient"), ex.getMessage());
            }
            // Used as a mask, a comparison passes the gradient of what it multiplies, and none of its own.
            check(op.opName() + " as a mask", List.of(a, b), () -> weightedSum(F.mul(F.apply(op, a, b), F.mul(a, b))));
            refused++;
        }
        assertEquals(6, refused, "eq, ne, lt, le, gt, ge");
        for (UnaryOp op : UnaryOp.values()) {
            if (op.differentiable()) continue;
            assertNull(op.gradient(), op.opName());
            try (Tape tape = Tape.record()) {
                assertFalse(F.apply(op, a).requiresGrad(), op.opName());
                assertEquals(0, tape.size());
            }
        }
        for (ReduceOp op : ReduceOp.values()) {
            if (op.differentiable()) continue;
            assertNull(op.gradient(), op.opName());
            try (Tape tape = Tape.record()) {
                Variable i = F.reduce(op, a, 1, false);
                assertFalse(i.requiresGrad(), op.opName());
                assertEquals(DType.INT32, i.dtype(), op.opName() + " gives positions");
                assertEquals(0, tape.size());
            }
        }
        assertEquals(DType.INT32, F.argmax(a, -1, true).dtype());
        assertEquals(DType.INT32, F.argmin(a, 0, false).dtype());
        assertArrayEquals(a.value().gt(b.value()).toDoubleArray(), F.gt(a, b).value().toDoubleArray(), 0.0);
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Test
    void everyDifferentiableReductionAlongEveryAxis() {
        int[] dims = {3, 5, 7};
        Variable x = param("x", distinct(3 * 5 * 7, 0.01), dims);
        int checked = 0;
        for (ReduceOp op : ReduceOp.values()) {
            if (!op.differentiable()) continue;
            for (int axis : new int[]{0, 1, 2, -1}) {
                for (boolean keep : new boolean[]{false, true}) {
                    check(op.opName() + " axis " + axis + (keep ? " kept" : ""), List.of(x),
                            () -> weightedSum(F.reduce(op, x, axis, keep)));
                    checked++;
                }
            }
        }
        assertEquals(5 * 8, checked, "sum, mean, logsumexp, max, min");
    }

    @Test
    void namedReductionsAreTheTableEntries() {
        Variable x = param("x", uniform(12), 3, 4);
        assertSameValues(F.reduce(ReduceOp.SUM, x, 1, false), F.sum(x, 1, false));
        assertSameValues(F.reduce(ReduceOp.MEAN, x, 0, true), F.mean(x, 0, true));
        assertSameValues(F.reduce(ReduceOp.MAX, x, -1, false), F.max(x, -1, false));
        assertSameValues(F.reduce(ReduceOp.MIN, x, 1, true), F.min(x, 1, true));
        assertSameValues(F.reduce(ReduceOp.LOGSUMEXP, x, 0, false), F.logsumexp(x, 0, false));
    }

    @Test
    void sumAndMeanOfAllElements() {
        Variable x = param("x", 3, 5, 7);
        check("sum", List.of(x), () -> F.sum(x));
        check("mean", List.of(x), () -> F.scale(F.mean(x), 3.0));
        check("sum of a product", List.of(x), () -> F.mean(F.mul(x, x)));
    }

    /** max and min along an axis split the gradient evenly between tied maxima (PyTorch's amax). */
    @Test
    void maxAlongAnAxisSplitsBetweenTies() {
        Variable x = param("x", new double[]{1, 3, 3, 0, 2, -1, 2, 2, 2}, 3, 3);
        backward(() -> F.sum(F.max(x, 1, false)), x);
        assertArrayEquals(new double[]{0, 0.5, 0.5, 0, 1, 0, 1 / 3.0, 1 / 3.0, 1 / 3.0}, x.grad().toDoubleArray(), 1e-15);
        backward(() -> F.sum(F.min(x, 0, true)), x);
        assertArrayEquals(new double[]{0, 0, 0, 1, 0.5, 1, 0, 0.5, 0}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void softmaxAndLogSoftmaxAlongEveryAxis() {
        Variable x = param("x", awayFromZero(30), 2, 3, 5);
        for (int axis : new int[]{0, 1, 2, -1}) {
            check("softmax axis " + axis, List.of(x), () -> weightedSum(F.softmax(x, axis)));
            check("logSoftmax axis " + axis, List.of(x), () -> weightedSum(F.logSoftmax(x, axis)));
        }
        double[] p = F.softmax(x, -1).value().toDoubleArray();
        for (int row = 0; row < 6; row++) {
            double s = 0;
            for (int j = 0; j < 5; j++) s += p[row * 5 + j];
            assertEquals(1.0, s, 1e-15, "row " + row + " sums to 1");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Inputs for op's side {@code side}: divisors away from 0, maximum and minimum never tied. */
    private double[] values(BinaryOp op, int side, int n) {
        return switch (op) {
            case DIV -> side == 1 ? awayFromZero(n) : uniform(n);
            case MAXIMUM, MINIMUM -> distinct(n, side == 0 ? 0 : 0.05);
            default -> uniform(n);
        };
    }

    private static int numel(int[] dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** One backward of the loss into freshly zeroed gradients of {@code inputs}. */
    private void backward(Supplier<Variable> loss, Variable... inputs) {
        for (Variable v : inputs) v.zeroGrad();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(loss.get());
        }
    }

    private static void assertSameValues(Variable expected, Variable actual) {
        assertEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.value().toDoubleArray(), actual.value().toDoubleArray(), 0.0);
    }
}
