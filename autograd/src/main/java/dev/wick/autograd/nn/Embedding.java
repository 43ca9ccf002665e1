package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;


/** A lookup table of {@code num} vectors of size {@code dim}, initialised N(0, 1) as in PyTorch. */
public final class Embedding extends AbstractModule {
    private final Variable weight;
    private final int paddingIndex;
    private final boolean sparse;

    public Embedding(Engine e, DType dtype, int num, int dim, long seed) {
        this(e, dtype, num, dim, seed, -1);
    }

    /** With a padding row that is initialised to zeros and receives no gradient (-1 for none). */
    public Embedding(Engine e, DType dtype, int num, int dim, long seed, int paddingIndex) {
        this(e, dtype, num, dim, seed, paddingIndex, false);
    }

    /**
     * With {@code sparse} (PyTorch's {@code sparse=True}) the weight's gradient is row-sparse: the
     * rows a batch looked up, never a dense num x dim table (which is then not even allocated unless
     * a dense contribution, such as a tied output layer, asks for it). Train such a weight with
     * {@link dev.wick.autograd.optim.Sgd} (no momentum) or {@link dev.wick.autograd.optim.SparseAdam}.
     */
    public Embedding(Engine e, DType dtype, int num, int dim, long seed, int paddingIndex, boolean sparse) {
        Init.requirePositive("embedding size", num);
        Init.requirePositive("embedding dimension", dim);
        if (paddingIndex < -1 || paddingIndex >= num) {
            throw new IllegalArgumentException("padding index " + paddingIndex + " out of range for " + num + " rows");
        }
        this.weight = registerParameter("weight", Init.normalParameter("weight", e, dtype, Init.subSeed(seed, 0), sparse, num, dim));
        this.paddingIndex = paddingIndex;
        this.sparse = sparse;
        if (paddingIndex >= 0) weight.value().slice(paddingIndex, paddingIndex + 1).zeroInPlace();
    }

    /** indices (INT32, any shape) -> indices.shape + [dim]. */
    public Variable forward(Tensor indices) {
        return F.embedding(weight, indices, paddingIndex, sparse);
    }

    /** Whether the weight's gradient is row-sparse. */
    public boolean sparse() {
        return sparse;
    }

    public Variable weight() {
        return weight;
    }
}
