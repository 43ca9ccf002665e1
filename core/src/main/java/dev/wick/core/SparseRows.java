package dev.wick.core;

/**
 * A row-sparse [V, D] tensor: the gradient of an embedding table when only the rows a batch looked
 * up receive one (PyTorch's {@code nn.Embedding(sparse=True)}). Made by {@link Tensor#coalesceRows}
 * (or by adding two of them), so its rows are distinct, in range and ascending.
 *
 * <p>The layout never depends on the data: {@link #rows()} (INT32 [capacity]) and {@link #values()}
 * ([capacity, D]) have one slot per lookup; the first {@code nnz} slots hold the distinct rows and
 * their summed gradients, the rest are padding (row -1, values 0). The count stays on the device
 * ({@link #count()}); everything that consumes a SparseRows (the sparse optimizer updates, the
 * squared norm, scaling, densifying) works on the whole padded layout, so a training step never
 * waits for the device to learn how many rows it touched. Only {@link #nnz()} reads it back.
 */
public final class SparseRows implements AutoCloseable {
    private final Tensor rows;
    private final Tensor values;
    private final Tensor count;
    private final Shape denseShape;

    SparseRows(Tensor rows, Tensor values, Tensor count, Shape denseShape) {
        this.rows = rows;
        this.values = values;
        this.count = count;
        this.denseShape = denseShape;
    }

    /**
     * The rows, INT32 [capacity]: ascending and distinct, then -1 in the padding.
     *
     * @return the row tensor, owned by this object
     */
    public Tensor rows() {
        return rows;
    }

    /**
     * The summed gradient of each row, [capacity, D]; zeros in the padding.
     *
     * @return the value tensor, owned by this object
     */
    public Tensor values() {
        return values;
    }

    /**
     * The number of distinct rows, an INT32 scalar on the device.
     *
     * @return the count tensor, owned by this object
     */
    public Tensor count() {
        return count;
    }

    /**
     * The shape of the dense tensor this stands for, [V, D].
     *
     * @return [V, D]
     */
    public Shape denseShape() {
        return denseShape;
    }

    /**
     * The values' dtype.
     *
     * @return FLOAT32 or FLOAT64
     */
    public DType dtype() {
        return values.dtype();
    }

    /**
     * The engine the three tensors live on.
     *
     * @return the engine
     */
    public Engine engine() {
        return values.engine();
    }

    /**
     * Slots, padding included (the number of lookups it was made from).
     *
     * @return the slot count
     */
    public int capacity() {
        return rows.numel();
    }

    /**
     * The number of distinct rows (reads the count back: waits for the device).
     *
     * @return the distinct rows' count
     */
    public int nnz() {
        checkOpen();
        return count.toIntArray()[0];
    }

    /**
     * A dense [V, D] copy: zeros except on the touched rows.
     *
     * @return a new tensor
     */
    public Tensor toDense() {
        checkOpen();
        Tensor dense = engine().zeros(dtype(), denseShape);
        try {
            return dense.addSparseInPlace(this);
        } catch (RuntimeException e) {
            dense.close();
            throw e;
        }
    }

    /**
     * this + other as a new SparseRows (both keep theirs): the slots of both, coalesced again, so
     * a row in both is added once, this one's term first. Its capacity is the sum of theirs.
     *
     * @param other a row-sparse tensor of the same shape, dtype and engine
     * @return a new SparseRows
     */
    public SparseRows add(SparseRows other) {
        checkOpen();
        other.checkOpen();
        if (!other.denseShape.equals(denseShape) || other.dtype() != dtype() || other.engine() != engine()) {
            throw new IllegalArgumentException("cannot add a row-sparse " + other.denseShape + " " + other.dtype()
                    + " to " + this);
        }
        try (Scope scope = engine().scope()) {
            Tensor allRows = Tensor.concat(0, rows, other.rows);
            Tensor allValues = Tensor.concat(0, values, other.values);
            SparseRows sum = Tensor.coalesceChecked(allRows, allValues, denseShape.dim(0), -1);
            scope.keep(sum.rows);
            scope.keep(sum.values);
            scope.keep(sum.count);
            return sum;
        }
    }

    /**
     * values *= alpha, in place (the padding stays zero).
     *
     * @param alpha the factor
     * @return this
     */
    public SparseRows scaleInPlace(double alpha) {
        values.scaleInPlace(alpha);
        return this;
    }

    /**
     * The sum of squares of the values, as a scalar tensor on the device (the padding adds
     * nothing).
     *
     * @return a new scalar tensor
     */
    public Tensor squaredNorm() {
        return values.squaredNorm();
    }

    /**
     * Takes the three tensors out of their memory scope (see {@link Tensor#unscoped()}). Returns
     * this.
     *
     * @return this
     */
    public SparseRows unscoped() {
        rows.unscoped();
        values.unscoped();
        count.unscoped();
        return this;
    }

    /**
     * Whether any of the three tensors was closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return rows.isClosed() || values.isClosed() || count.isClosed();
    }

    void checkOpen() {
        if (isClosed()) throw new IllegalStateException("row-sparse " + denseShape + " " + dtype() + " is closed");
    }

    /** Closes the three tensors. */
    @Override
    public void close() {
        rows.close();
        values.close();
        count.close();
    }

    /**
     *
     * @return the dense shape, the dtype and the capacity
     */
    @Override
    public String toString() {
        return "SparseRows" + denseShape + " " + dtype() + " (" + capacity() + " slots)" + (isClosed() ? " (closed)" : "");
    }
}
