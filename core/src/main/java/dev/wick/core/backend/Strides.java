package dev.wick.core.backend;

import dev.wick.core.Shape;

import java.util.Arrays;

/**
 * How an elementwise kernel walks its operands: a list of dimensions and, for each of two operands,
 * the step in elements that one step along each dimension takes (0 where the operand is broadcast).
 * For {@link Backend#binary} the two are a and b and the output is contiguous over {@link #dims};
 * for {@link Backend#copyStrided} they are the source and the destination. Built coalesced:
 * dimensions of size 1 are dropped and neighbours that both operands step through as one are
 * merged, so a same-shape operation is one dimension and a bias add two, and at most
 * {@link #MAX_RANK} remain (a launch passes them as scalars).
 */
public final class Strides {
    /** The most dimensions a kernel walks after coalescing. */
    public static final int MAX_RANK = 6;

    private final int[] dims;
    private final int[] first;
    private final int[] second;
    private final int numel;

    private Strides(int[] dims, int[] first, int[] second) {
        this.dims = dims;
        this.first = first;
        this.second = second;
        long n = 1;
        for (int d : dims) n *= d;
        this.numel = (int) n;
    }

    /**
     * The walk over {@code dims} with the two operands' strides, coalesced. Throws
     * IllegalArgumentException if more than {@link #MAX_RANK} dimensions remain.
     *
     * @param dims the dimensions walked
     * @param first the first operand's strides, in elements (0 where it is stretched)
     * @param second the second operand's strides, in elements
     * @return the walk
     */
    public static Strides of(int[] dims, int[] first, int[] second) {
        if (dims.length != first.length || dims.length != second.length) {
            throw new IllegalArgumentException("dims and strides differ in length");
        }
        int[] d = new int[dims.length], s1 = new int[dims.length], s2 = new int[dims.length];
        int rank = 0;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == 0) return new Strides(new int[]{0}, new int[]{0}, new int[]{0});
            if (dims[i] == 1) continue;
            if (rank > 0 && s1[rank - 1] == (long) first[i] * dims[i] && s2[rank - 1] == (long) second[i] * dims[i]) {
                d[rank - 1] *= dims[i]; // the outer step is exactly dims[i] inner steps: one dimension
                s1[rank - 1] = first[i];
                s2[rank - 1] = second[i];
                continue;
            }
            d[rank] = dims[i];
            s1[rank] = first[i];
            s2[rank] = second[i];
            rank++;
        }
        if (rank > MAX_RANK) {
            throw new IllegalArgumentException("an elementwise operation over " + Arrays.toString(dims) + " walks "
                    + rank + " dimensions after merging, more than the " + MAX_RANK + " kernels take");
        }
        return new Strides(Arrays.copyOf(d, rank), Arrays.copyOf(s1, rank), Arrays.copyOf(s2, rank));
    }

    /**
     * The row-major (contiguous) strides of a shape.
     *
     * @param dims the dimensions
     * @return the strides, in elements
     */
    public static int[] contiguous(int[] dims) {
        int[] s = new int[dims.length];
        int step = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = step;
            step *= Math.max(1, dims[i]);
        }
        return s;
    }

    /**
     * The walk for a binary op under numpy broadcasting: shapes are aligned at their last
     * dimension; a dimension of size 1 (or a missing one) stretches. The output shape is
     * {@link #broadcastShape}.
     *
     * @param a the first operand's shape
     * @param b the second operand's shape
     * @return the walk
     */
    public static Strides broadcast(Shape a, Shape b) {
        Shape out = broadcastShape(a, b);
        int[] dims = out.dims();
        return of(dims, stretched(a, dims), stretched(b, dims));
    }

    /**
     * The walk that reads {@code from} broadcast to the shape {@code to} (destination contiguous).
     *
     * @param from the source's shape
     * @param to the destination's shape
     * @return the walk
     */
    public static Strides broadcastTo(Shape from, Shape to) {
        int[] dims = to.dims();
        return of(dims, stretched(from, dims), contiguous(dims));
    }

    /**
     * The walk that copies a row-major [rows, cols] matrix into its transpose, [cols, rows]
     * row-major (source first, destination second, as {@link Backend#copyStrided} takes them).
     *
     * @param rows the source's rows
     * @param cols the source's columns
     * @return the walk
     */
    public static Strides transpose(int rows, int cols) {
        return of(new int[]{cols, rows}, new int[]{1, cols}, new int[]{rows, 1});
    }

    /**
     * The shape two shapes broadcast to, or IllegalArgumentException naming both when a pair of
     * aligned dimensions differs and neither is 1.
     *
     * @param a one shape
     * @param b the other
     * @return the broadcast shape
     */
    public static Shape broadcastShape(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = dimFromEnd(a, rank - 1 - i), db = dimFromEnd(b, rank - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast: dimension "
                        + (i - rank) + " is " + da + " against " + db);
            }
            out[i] = da == 1 ? db : da;
        }
        return Shape.of(out);
    }

    /** Dimension {@code fromEnd} places before the last (0 = the last); 1 beyond the rank. */
    private static int dimFromEnd(Shape s, int fromEnd) {
        return fromEnd < s.rank() ? s.dim(s.rank() - 1 - fromEnd) : 1;
    }

    /** The strides of {@code s} aligned at the end with {@code dims}: 0 where it is broadcast. */
    private static int[] stretched(Shape s, int[] dims) {
        int[] own = contiguous(s.dims());
        int[] out = new int[dims.length];
        int offset = dims.length - s.rank();
        for (int i = 0; i < dims.length; i++) {
            int j = i - offset;
            if (j < 0) continue;
            int d = s.dim(j);
            if (d != dims[i] && d != 1) {
                throw new IllegalArgumentException("shape " + s + " does not broadcast to " + Arrays.toString(dims));
            }
            out[i] = d == 1 ? 0 : own[j];
        }
        return out;
    }

    /**
     * The dimensions walked, outermost first (none for a single element).
     *
     * @return a copy of the dimensions
     */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * The number of dimensions walked, after coalescing.
     *
     * @return the rank
     */
    public int rank() {
        return dims.length;
    }

    /**
     * The size of one walked dimension.
     *
     * @param i the dimension, outermost first
     * @return its size
     */
    public int dim(int i) {
        return dims[i];
    }

    /**
     * The first operand's step along dimension i (a, or the source).
     *
     * @param i the dimension, outermost first
     * @return the stride, in elements
     */
    public int first(int i) {
        return first[i];
    }

    /**
     * The second operand's step along dimension i (b, or the destination).
     *
     * @param i the dimension, outermost first
     * @return the stride, in elements
     */
    public int second(int i) {
        return second[i];
    }

    /**
     * The number of elements walked.
     *
     * @return the count
     */
    public int numel() {
        return numel;
    }

    /**
     * Whether both operands are walked contiguously (a plain loop over numel elements).
     *
     * @return true for a plain loop
     */
    public boolean isFlat() {
        return dims.length == 0 || (dims.length == 1 && first[0] == 1 && second[0] == 1);
    }

    /**
     * The element offset of the first operand at flat position p of the walk (for reference loops).
     *
     * @param p the position, in [0, numel)
     * @return the offset, in elements
     */
    public long firstOffset(int p) {
        return offset(p, first);
    }

    /**
     * The element offset of the second operand at flat position p of the walk.
     *
     * @param p the position, in [0, numel)
     * @return the offset, in elements
     */
    public long secondOffset(int p) {
        return offset(p, second);
    }

    private long offset(int p, int[] strides) {
        long off = 0;
        for (int i = dims.length - 1; i >= 0; i--) {
            off += (long) (p % dims[i]) * strides[i];
            p /= dims[i];
        }
        return off;
    }

    @Override
    public String toString() {
        return "Strides" + Arrays.toString(dims) + " " + Arrays.toString(first) + " " + Arrays.toString(second);
    }
}
