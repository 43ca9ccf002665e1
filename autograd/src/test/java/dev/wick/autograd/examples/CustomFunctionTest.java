package dev.wick.autograd.examples;

import dev.wick.autograd.F;
import dev.wick.autograd.Function;
import dev.wick.autograd.Tape;
import dev.wick.autograd.TestSeeds;
import dev.wick.autograd.Variable;
import dev.wick.autograd.check.GradCheck;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import dev.wick.core.ops.BinaryOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A differentiable op defined outside the autograd package, as a library user would: sigmoid by
 * hand, checked against finite differences and against F.sigmoid; then what a Function may and
 * may not return.
 */
class CustomFunctionTest {

    /** sigmoid(x) = 1 / (1 + exp(-x)); its gradient is g * y * (1 - y), from the saved output. */
    static final class Sigmoid extends Function {
        @Override
        protected Tensor forward(Context ctx, Tensor... inputs) {
            Tensor y = inputs[0].neg().exp().add(1.0).applyScalarFirst(BinaryOp.DIV, 1.0);
            ctx.save(y);
            return y;
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor gradOutput) {
            Tensor y = ctx.saved(0);
            return new Tensor[]{gradOutput.mul(y).mul(y.rsub(1.0))};
        }
    }

    /** a * alpha + b with b a bias [C]: b's gradient is returned in the output's shape and summed by apply. */
    static final class ScaledAdd extends Function {
        private final double alpha;
        boolean[] sawNeeds;

        ScaledAdd(double alpha) {
            this.alpha = alpha;
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... inputs) {
            sawNeeds = new boolean[]{ctx.needsInputGrad(0), ctx.needsInputGrad(1)};
            return inputs[0].mul(alpha).add(inputs[1]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor gradOutput) {
            return new Tensor[]{ctx.needsInputGrad(0) ? gradOutput.mul(alpha) : null, gradOutput};
        }
    }

    private Engine e;
    private long seed;

    @BeforeEach
    void open(TestInfo info) {
        e = Wick.cpu();
        seed = TestSeeds.fresh(info.getDisplayName());
    }

    @AfterEach
    void close() {
        e.close();
    }

    private Variable param(String name, double low, double high, int... dims) {
        return Variable.parameter(name, e.uniform(DType.FLOAT64, seed + name.hashCode(), low, high, dims));
    }

    private Variable weightedSum(Variable v) {
        Variable w = Variable.constant(e.uniform(DType.FLOAT64, seed * 31 + v.shape().hashCode(), -1, 1, v.shape().dims()));
        return F.sum(F.mul(v, w));
    }

    private void check(List<Variable> inputs, Supplier<Variable> loss) {
        try {
            assertTrue(GradCheck.check(inputs, loss).elementsChecked() > 0);
        } catch (AssertionError err) {
            throw new AssertionError("seed " + seed + ": " + err.getMessage(), err);
        }
    }

    private static double[] gradient(Variable x, Supplier<Variable> loss) {
        x.zeroGrad();
        try (Scope s = x.engine().scope(); Tape tape = Tape.record()) {
            tape.backward(loss.get());
        }
        return x.grad().toDoubleArray();
    }

    @Test
    void handWrittenSigmoidPassesTheGradientCheckAndMatchesTheBuiltIn() {
        Variable x = param("x", -3, 3, 3, 7);
        Sigmoid sigmoid = new Sigmoid();
        check(List.of(x), () -> weightedSum(sigmoid.apply(x)));
        assertArrayEquals(F.sigmoid(x).value().toDoubleArray(), sigmoid.apply(x).value().toDoubleArray(), 1e-15);
        double[] mine = gradient(x, () -> weightedSum(sigmoid.apply(x)));
        double[] builtIn = gradient(x, () -> weightedSum(F.sigmoid(x)));
        assertArrayEquals(builtIn, mine, 1e-15, "seed " + seed);
    }

    @Test
    void aFunctionComposesWithOtherOpsAndIsRecordedOnce() {
        Variable x = param("x", -2, 2, 4, 5);
        Sigmoid sigmoid = new Sigmoid();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            Variable y = sigmoid.apply(F.mul(x, 2.0));
            assertTrue(y.requiresGrad());
            assertEquals(2, tape.size(), "mul and the function");
        }
        check(List.of(x), () -> weightedSum(F.tanh(sigmoid.apply(sigmoid.apply(F.mul(x, x))))));
        assertFalse(sigmoid.apply(x).requiresGrad(), "no tape, no node: a constant");
    }

    @Test
    void gradientsInTheBroadcastShapeAreSummedAndNullMeansNone() {
        Variable a = param("a", -1, 1, 3, 5);
        Variable b = param("b", -1, 1, 5);
        ScaledAdd fn = new ScaledAdd(-1.5);
        check(List.of(a, b), () -> weightedSum(fn.apply(a, b)));
        Variable constantA = Variable.constant(a.value());
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            b.zeroGrad();
            tape.backward(F.sum(fn.apply(constantA, b)));
            assertArrayEquals(new boolean[]{false, true}, fn.sawNeeds);
        }
        assertArrayEquals(new double[]{3, 3, 3, 3, 3}, b.grad().toDoubleArray(), 0.0, "summed over the 3 rows");
    }

    /** A backward that returns a wrong gradient fails clearly, and none of its gradients is added. */
    @Test
    void badGradientsAreRefusedWithNothingHalfWritten() {
        Variable a = param("a", -1, 1, 2, 3);
        Variable b = param("b", -1, 1, 2, 3);
        Function wrongShape = new Function() {
            @Override
            protected Tensor forward(Context ctx, Tensor... inputs) {
                return inputs[0].mul(inputs[1]);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor gradOutput) {
                return new Tensor[]{gradOutput, gradOutput.reshape(3, 2)}; // the first is fine, the second is not
            }
        };
        Function wrongCount = new Function() {
            @Override
            protected Tensor forward(Context ctx, Tensor... inputs) {
                return inputs[0].exp();
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor gradOutput) {
                return new Tensor[]{gradOutput, gradOutput};
            }
        };
        Function nothing = new Function() {
            @Override
            protected Tensor forward(Context ctx, Tensor... inputs) {
                return null;
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor gradOutput) {
                return null;
            }
        };
        a.zeroGrad();
        b.zeroGrad();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            IllegalStateException ex = assertThrows(IllegalStateException.class,
                    () -> tape.backward(F.sum(wrongShape.apply(a, b))));
            assertTrue(ex.getMessage().contains("[3, 2]") && ex.getMessage().contains("input 1"), ex.getMessage());
        }
        assertArrayEquals(new double[6], a.grad().toDoubleArray(), 0.0, "input 0 received nothing either");
        assertArrayEquals(new double[6], b.grad().toDoubleArray(), 0.0);
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            IllegalStateException ex = assertThrows(IllegalStateException.class, () -> tape.backward(F.sum(wrongCount.apply(a))));
            assertTrue(ex.getMessage().contains("2 gradients for 1 inputs"), ex.getMessage());
        }
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            assertThrows(IllegalStateException.class, () -> nothing.apply(a));
            assertThrows(IllegalArgumentException.class, () -> new Sigmoid().apply(a, null));
            assertEquals(0, tape.size());
        }
    }

    /** A forward that returns its input as is still gives a Variable of its own value. */
    @Test
    void anIdentityFunctionGetsACopy() {
        Variable a = param("a", -1, 1, 4);
        Function identity = new Function() {
            @Override
            protected Tensor forward(Context ctx, Tensor... inputs) {
                return inputs[0];
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor gradOutput) {
                return new Tensor[]{gradOutput};
            }
        };
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            Variable y = identity.apply(a);
            assertFalse(y.value() == a.value());
            a.zeroGrad();
            tape.backward(F.sum(F.mul(y, 3.0)));
        }
        assertArrayEquals(new double[]{3, 3, 3, 3}, a.grad().toDoubleArray(), 0.0);
        assertNull(Variable.constant(a.value()).grad());
    }
}
