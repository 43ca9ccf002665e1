package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;

/**
 * y = x W^T + b with W [out, in] (PyTorch's layout), W and b initialised U(-1/sqrt(in),
 * 1/sqrt(in)) as PyTorch's nn.Linear does; optionally without b. Parameters: weight, and bias
 * when it has one.
 */
public final class Linear extends AbstractModule implements Layer {
    private final Variable weight;
    private final Variable bias;

    /**
     * With a bias.
     *
     * @param e the engine the parameters live on
     * @param dtype the parameters' floating dtype
     * @param in the input features, at least 1
     * @param out the output features, at least 1
     * @param seed the initialisation's seed
     * @throws IllegalArgumentException if in or out is not positive
     */
    public Linear(Engine e, DType dtype, int in, int out, long seed) {
        this(e, dtype, in, out, true, seed);
    }

    /**
     * A layer with or without a bias.
     *
     * @param e the engine the parameters live on
     * @param dtype the parameters' floating dtype
     * @param in the input features, at least 1
     * @param out the output features, at least 1
     * @param bias whether the layer adds a bias
     * @param seed the initialisation's seed
     * @throws IllegalArgumentException if in or out is not positive
     */
    public Linear(Engine e, DType dtype, int in, int out, boolean bias, long seed) {
        Init.requirePositive("input size", in);
        Init.requirePositive("output size", out);
        double bound = 1.0 / Math.sqrt(in);
        this.weight = registerParameter("weight", Init.uniformParameter("weight", e, dtype, Init.subSeed(seed, 0), bound, out, in));
        this.bias = registerParameter("bias",
                bias ? Init.uniformParameter("bias", e, dtype, Init.subSeed(seed, 1), bound, out) : null);
    }

    /** x [..., in] -> [..., out]. */
    @Override
    public Variable forward(Variable x) {
        return F.linear(x, weight, bias);
    }

    /**
     * The weight, a parameter named "weight".
     *
     * @return W, [out, in]
     */
    public Variable weight() {
        return weight;
    }

    /**
     * The bias, or null for a layer built without one.
     *
     * @return b, [out], or null
     */
    public Variable bias() {
        return bias;
    }
}
