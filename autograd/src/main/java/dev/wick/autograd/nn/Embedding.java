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

    /**
     * A table without a padding row and with a dense gradient.
     *
     * @param e the engine the weight lives on
     * @param dtype the weight's floating dtype
     * @param num the number of rows V (the vocabulary), at least 1
     * @param dim the size D of each vector, at least 1
     * @param seed the initialisation's seed
     * @throws IllegalArgumentException if num or dim is not positive
     */
    public Embedding(Engine e, DType dtype, int num, int dim, long seed) {
        this(e, dtype, num, dim, seed, -1);
    }

    /**
     * With a padding row that is initialised to zeros and receives no gradient (-1 for none).
     *
     * @param e the engine the weight lives on
     * @param dtype the weight's floating dtype
     * @param num the number of rows V (the vocabulary), at least 1
     * @param dim the size D of each vector, at least 1
     * @param seed the initialisation's seed
     * @param paddingIndex the padding row, in [0, num), or -1
     * @throws IllegalArgumentException if num or dim is not positive, or paddingIndex is outside [-1, num)
     */
    public Embedding(Engine e, DType dtype, int num, int dim, long seed, int paddingIndex) {
        this(e, dtype, num, dim, seed, paddingIndex, false);
    }

    /**
     * With {@code sparse} (PyTorch's {@code sparse=True}) the weight's gradient is row-sparse: the
     * rows a batch looked up, never a dense num x dim table (which is then not even allocated unless
     * a dense contribution, such as a tied output layer, asks for it). Train such a weight with
     * {@link dev.wick.autograd.optim.Sgd} (no momentum) or {@link dev.wick.autograd.optim.SparseAdam}.
     *
     * @param e the engine the weight lives on
     * @param dtype the weight's floating dtype
     * @param num the number of rows V (the vocabulary), at least 1
     * @param dim the size D of each vector, at least 1
     * @param seed the initialisation's seed
     * @param paddingIndex the padding row, in [0, num), or -1
     * @param sparse whether the weight's gradient is row-sparse
     * @throws IllegalArgumentException if num or dim is not positive, or paddingIndex is outside [-1, num)
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

    /**
     * indices (INT32, any shape) -> indices.shape + [dim].
     *
     * @param indices the rows looked up, INT32 in [0, num)
     * @return the vectors, new
     * @throws IndexOutOfBoundsException if an index lies outside [0, num)
     */
    public Variable forward(Tensor indices) {
        return F.embedding(weight, indices, paddingIndex, sparse);
    }

    /**
     * Whether the weight's gradient is row-sparse.
     *
     * @return true when built with {@code sparse}
     */
    public boolean sparse() {
        return sparse;
    }

    /**
     * The table, a parameter named "weight".
     *
     * @return the weight, [num, dim]
     */
    public Variable weight() {
        return weight;
    }
}
