package dev.wick.core;

import java.util.Arrays;

/** An immutable list of dimension sizes; row-major, the last dimension varies fastest. */
public final class Shape {
    private final int[] dims;
    private final int numel;

    private Shape(int[] dims) {
        this.dims = dims;
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31-1 elements");
            }
        }
        this.numel = (int) n;
    }

    /**
     * A shape from its dimensions.
     *
     * @param dims the sizes, each at least 0 (none for a scalar)
     * @return the shape
     */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /**
     * The shape of a scalar: rank 0, one element.
     *
     * @return the shape []
     */
    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    /**
     * The number of dimensions.
     *
     * @return the rank (0 for a scalar)
     */
    public int rank() {
        return dims.length;
    }

    /**
     * Size of dimension {@code axis}; negative axes count from the end.
     *
     * @param axis the dimension's index
     * @return its size
     */
    public int dim(int axis) {
        int a = axis < 0 ? dims.length + axis : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return dims[a];
    }

    /**
     * The dimensions, as a copy.
     *
     * @return a new array of {@link #rank()} sizes
     */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * The number of elements.
     *
     * @return the product of the dimensions (1 for a scalar)
     */
    public int numel() {
        return numel;
    }

    /**
     * Product of all dimensions but the last: the number of rows when viewed as a matrix.
     *
     * @return the row count
     */
    public int rows() {
        return dims.length == 0 ? 1 : numel / Math.max(1, dims[dims.length - 1]) ;
    }

    /**
     * The last dimension (1 for a scalar).
     *
     * @return the last dimension's size
     */
    public int lastDim() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    /**
     * This shape with {@code extra} appended as a new last dimension.
     *
     * @param extra the new last dimension's size
     * @return a new shape
     */
    public Shape append(int extra) {
        int[] d = Arrays.copyOf(dims, dims.length + 1);
        d[dims.length] = extra;
        return new Shape(d);
    }

    /**
     * This shape with its first dimension replaced.
     *
     * @param first the new first dimension's size
     * @return a new shape
     */
    public Shape withFirst(int first) {
        if (dims.length == 0) throw new IllegalArgumentException("a scalar has no first dimension");
        int[] d = dims.clone();
        d[0] = first;
        return new Shape(d);
    }

    /**
     * Two shapes are equal when they have the same dimensions.
     *
     * @param o the other object
     * @return whether it is a shape with the same dimensions
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    /**
     * @return a hash of the dimensions
     */
    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /**
     * @return the dimensions as "[2, 3]"
     */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
