package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** A lookup table of {@code num} vectors of size {@code dim}, initialised N(0, 1) as in PyTorch. */
public final class Embedding implements Module {
    private final Variable weight;
    private final int paddingIndex;

    public Embedding(Engine e, DType dtype, int num, int dim, long seed) {
        this(e, dtype, num, dim, seed, -1);
    }

    /** With a padding row that is initialised to zeros and receives no gradient (-1 for none). */
    public Embedding(Engine e, DType dtype, int num, int dim, long seed, int paddingIndex) {
        Init.requirePositive("embedding size", num);
        Init.requirePositive("embedding dimension", dim);
        if (paddingIndex < -1 || paddingIndex >= num) {
            throw new IllegalArgumentException("padding index " + paddingIndex + " out of range for " + num + " rows");
        }
        this.weight = Init.normal("weight", e, dtype, Init.subSeed(seed, 0), num, dim);
        this.paddingIndex = paddingIndex;
        if (paddingIndex >= 0) weight.value().slice(paddingIndex, paddingIndex + 1).zeroInPlace();
    }

    /** indices (INT32, any shape) -> indices.shape + [dim]. */
    public Variable forward(Tensor indices) {
        return F.embedding(weight, indices, paddingIndex);
    }

    public Variable weight() {
        return weight;
    }

    @Override
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> m = new LinkedHashMap<>();
        m.put("weight", weight);
        return m;
    }
}
