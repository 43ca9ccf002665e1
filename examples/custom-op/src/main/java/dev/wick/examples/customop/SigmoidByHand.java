package dev.wick.examples.customop;

import dev.wick.autograd.Function;
import dev.wick.core.Tensor;
import dev.wick.core.ops.BinaryOp;

/**
 * The logistic sigmoid written as a user's own differentiable op: the forward in tensor operations,
 * 1 / (1 + e^-x), and the backward from the saved output, dy/dx = y (1 - y).
 */
final class SigmoidByHand extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
        try (Tensor negated = inputs[0].neg(); Tensor e = negated.exp(); Tensor denominator = e.add(1.0)) {
            Tensor y = denominator.applyScalarFirst(BinaryOp.DIV, 1.0);
            ctx.save(y);
            return y;
        }
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
        Tensor y = ctx.saved(0);
        try (Tensor oneMinusY = y.rsub(1.0); Tensor slope = y.mul(oneMinusY)) {
            return new Tensor[]{gradOutput.mul(slope)};
        }
    }
}
