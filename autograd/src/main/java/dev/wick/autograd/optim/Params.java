package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;

import java.util.List;

/** Argument checks shared by the optimizers. */
final class Params {
    private Params() {
    }

    static List<Variable> trainable(List<Variable> params) {
        if (params == null || params.isEmpty()) throw new IllegalArgumentException("no parameters to optimize");
        for (Variable p : params) {
            if (!p.requiresGrad() || !(p.isParameter() || p.hasGrad())) {
                throw new IllegalArgumentException(p + " is not a parameter (it takes no gradient)");
            }
        }
        return List.copyOf(params);
    }

    /** The name to put in a message: the parameter's name, else its description. */
    static String describe(Variable p) {
        return p.name() != null ? "parameter '" + p.name() + "' " + p : p.toString();
    }

    static double nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be >= 0 and finite, got " + v);
        return v;
    }
}
