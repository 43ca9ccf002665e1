package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;

import java.util.LinkedHashMap;
import java.util.Map;

/** y = x W^T + b with W [out, in] (PyTorch's layout), initialised U(-1/sqrt(in), 1/sqrt(in)). */
public final class Linear implements Module {
    private final Variable weight;
    private final Variable bias;

    public Linear(Engine e, DType dtype, int in, int out, long seed) {
        Init.requirePositive("input size", in);
        Init.requirePositive("output size", out);
        double bound = 1.0 / Math.sqrt(in);
        this.weight = Init.uniform("weight", e, dtype, Init.subSeed(seed, 0), bound, out, in);
        this.bias = Init.uniform("bias", e, dtype, Init.subSeed(seed, 1), bound, out);
    }

    /** x [N, in] -> [N, out]. */
    public Variable forward(Variable x) {
        return F.linear(x, weight, bias);
    }

    public Variable weight() {
        return weight;
    }

    public Variable bias() {
        return bias;
    }

    @Override
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> m = new LinkedHashMap<>();
        m.put("weight", weight);
        m.put("bias", bias);
        return m;
    }
}
