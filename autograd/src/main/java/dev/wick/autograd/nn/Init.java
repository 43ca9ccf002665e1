package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Engine;

/** Parameter initialisation with PyTorch's default distributions, reproducible from a seed. */
final class Init {
    private Init() {
    }

    /** A distinct, well-mixed seed for the k-th tensor of a module seeded with {@code seed}. */
    static long subSeed(long seed, int k) {
        return CounterRng.bits(seed, k);
    }

    static Variable uniform(String name, Engine e, DType dtype, long seed, double bound, int... dims) {
        return Variable.parameter(name, e.uniform(dtype, seed, -bound, bound, dims));
    }

    static Variable normal(String name, Engine e, DType dtype, long seed, int... dims) {
        return normal(name, e, dtype, seed, false, dims);
    }

    /** N(0, 1); a {@link Variable#sparseParameter} (no gradient allocated yet) when {@code sparseGrad}. */
    static Variable normal(String name, Engine e, DType dtype, long seed, boolean sparseGrad, int... dims) {
        var value = e.normal(dtype, seed, 0.0, 1.0, dims);
        return sparseGrad ? Variable.sparseParameter(name, value) : Variable.parameter(name, value);
    }

    static void requirePositive(String what, int value) {
        if (value <= 0) throw new IllegalArgumentException(what + " must be > 0, got " + value);
    }
}
