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

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** The shape of a scalar: rank 0, one element. */
    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public int dim(int axis) {
        int a = axis < 0 ? dims.length + axis : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " out of range for shape " + this);
        }
        return dims[a];
    }

    public int[] dims() {
        return dims.clone();
    }

    public int numel() {
        return numel;
    }

    /** Product of all dimensions but the last: the number of rows when viewed as a matrix. */
    public int rows() {
        return dims.length == 0 ? 1 : numel / Math.max(1, dims[dims.length - 1]) ;
    }

    /** The last dimension (1 for a scalar). */
    public int lastDim() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    /** This shape with {@code extra} appended as a new last dimension. */
    public Shape append(int extra) {
        int[] d = Arrays.copyOf(dims, dims.length + 1);
        d[dims.length] = extra;
        return new Shape(d);
    }

    /** This shape with its first dimension replaced. */
    public Shape withFirst(int first) {
        if (dims.length == 0) throw new IllegalArgumentException("a scalar has no first dimension");
        int[] d = dims.clone();
        d[0] = first;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
