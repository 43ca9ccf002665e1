/**
 * Wick's automatic differentiation: {@link dev.wick.autograd.Variable}s recorded on a
 * {@link dev.wick.autograd.Tape}, the differentiable ops in {@link dev.wick.autograd.F}, your own
 * ops through {@link dev.wick.autograd.Function}, layers ({@link dev.wick.autograd.nn}), optimizers
 * ({@link dev.wick.autograd.optim}) and gradient checking ({@link dev.wick.autograd.check}).
 * Everything it exports is API; it depends on {@code dev.wick.core} alone, whose API it passes on.
 */
module dev.wick.autograd {
    requires transitive dev.wick.core;

    exports dev.wick.autograd;
    exports dev.wick.autograd.nn;
    exports dev.wick.autograd.optim;
    exports dev.wick.autograd.check;
}
