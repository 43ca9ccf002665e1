package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.Shape;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

/**
 * The conformance cases of the op table: one check per entry of {@link UnaryOp}, {@link BinaryOp}
 * and {@link ReduceOp} (so a new entry is checked on every backend without a line here), and the
 * strided copies behind the shape ops. Each check covers the layouts a kernel must get right:
 * in place and at an odd offset, broadcasting on either side, a scalar on either side, every kind
 * of reduction axis.
 */
final class OpTableChecks extends Checks {

    OpTableChecks(ConformanceSuite suite, Inputs in, ConformanceSizes sizes, DType dtype) {
        super(suite, in, sizes, dtype);
    }

    @Override
    void runAll() {
        for (UnaryOp op : UnaryOp.values()) unary(op);
        for (BinaryOp op : BinaryOp.values()) {
            binary(op);
            binaryScalar(op);
        }
        for (ReduceOp op : ReduceOp.values()) reduce(op);
        stridedCopies();
    }

    private void unary(UnaryOp op) {
        int n = sizes.elements();
        double[] x = in.uniform(n, op.domainLow(), 4);
        suite.compare("unary " + op.opName() + " (and in place at an odd offset)", elementwise, s -> {
            Buffer X = s.reals(x), Y = s.nans(n), Z = s.reals(x);
            Buffer view = Z.slice(3, n - 5);
            s.timed(() -> {
                s.backend().unary(op, X, Y, n);
                s.backend().unary(op, view, view, n - 5);
            });
            return outputs(s.read(Y), s.read(Z));
        });
    }

    /**
     * Same shapes, a bias-like [r, c] + [c], its mirror [c] + [r, c], and an outer [r, 1] + [1, c];
     * every seventh b equals its a, so the comparisons and ties of maximum/minimum are exercised.
     */
    private void binary(BinaryOp op) {
        int r = sizes.matrixRows(), c = sizes.matrixCols(), n = r * c;
        double[] a = in.normal(n, 2), b = in.normal(n, 2);
        for (int i = 0; i < n; i += 7) b[i] = a[i];
        double[] row = in.normal(c, 2), column = in.normal(r, 2);
        row[0] = a[0];
        Shape matrix = Shape.of(r, c), vector = Shape.of(c);
        suite.compare("binary " + op.opName() + " (same shape, broadcast either side, outer)", elementwise, s -> {
            Buffer A = s.reals(a), B = s.reals(b), R = s.reals(row), C = s.reals(column);
            Buffer same = s.nans(n), bias = s.nans(n), mirror = s.nans(n), outer = s.nans(n), inPlace = s.reals(a);
            s.timed(() -> {
                s.backend().binary(op, A, B, same, Strides.broadcast(matrix, matrix));
                s.backend().binary(op, A, R, bias, Strides.broadcast(matrix, vector));
                s.backend().binary(op, R, A, mirror, Strides.broadcast(vector, matrix));
                s.backend().binary(op, C, R, outer, Strides.broadcast(Shape.of(r, 1), Shape.of(1, c)));
                s.backend().binary(op, inPlace, R, inPlace, Strides.broadcast(matrix, vector));
            });
            return outputs(s.read(same), s.read(bias), s.read(mirror), s.read(outer), s.read(inPlace));
        });
    }

    private void binaryScalar(BinaryOp op) {
        int n = sizes.elements();
        double[] a = in.normal(n, 2);
        double scalar = in.value(-2, 2);
        a[1] = scalar;
        suite.compare("binary " + op.opName() + " with a scalar (either side, in place)", elementwise, s -> {
            Buffer A = s.reals(a), right = s.nans(n), left = s.nans(n), inPlace = s.reals(a);
            s.timed(() -> {
                s.backend().binaryScalar(op, A, scalar, false, right, n);
                s.backend().binaryScalar(op, A, scalar, true, left, n);
                s.backend().binaryScalar(op, inPlace, scalar, false, inPlace, n);
            });
            return outputs(s.read(right), s.read(left), s.read(inPlace));
        });
    }

    /** Over everything, the last axis, the first axis, a middle axis, and an axis of length 1. */
    private void reduce(ReduceOp op) {
        int r = sizes.matrixRows(), c = sizes.matrixCols(), n = sizes.elements();
        int[][] cases = {{1, n, 1}, {r, c, 1}, {1, r, c}, {5, 13, 37}, {c, 1, 3}};
        double[][] xs = new double[cases.length][];
        for (int k = 0; k < cases.length; k++) {
            xs[k] = in.normal(cases[k][0] * cases[k][1] * cases[k][2], 2);
            if (xs[k].length > 9) xs[k][9] = xs[k][3]; // a tie for the selections
        }
        Tolerance tolerance = op.kind() == ReduceOp.Kind.SELECT ? exact : norm;
        suite.compare("reduce " + op.opName() + " (all, last, first, middle axis, length 1)", tolerance, s -> {
            Buffer[] x = new Buffer[cases.length], out = new Buffer[cases.length];
            for (int k = 0; k < cases.length; k++) {
                x[k] = s.reals(xs[k]);
                int outputs = cases[k][0] * cases[k][2];
                out[k] = op.indexResult() ? s.allocate(DType.INT32, outputs) : s.nans(outputs);
            }
            s.timed(() -> {
                for (int k = 0; k < cases.length; k++) {
                    s.backend().reduce(op, x[k], out[k], cases[k][0], cases[k][1], cases[k][2]);
                }
            });
            double[][] read = new double[cases.length][];
            for (int k = 0; k < cases.length; k++) read[k] = s.read(out[k]);
            return read;
        });
    }

    /**
     * A transpose, a narrow along the last axis, a broadcast, and a concatenation part, in both
     * dtypes and INT32; and a transposed copy through {@link dev.wick.core.backend.Backend#transposed}.
     */
    private void stridedCopies() {
        int r = sizes.matrixRows(), c = sizes.matrixCols(), n = r * c;
        double[] x = in.normal(n, 1), bias = in.normal(c, 1);
        int[] ints = in.uniformInts(n, Integer.MAX_VALUE);
        int[] dims = {r, c}, own = Strides.contiguous(dims);
        Strides transpose = Strides.transpose(r, c);
        int width = c - 2;
        Strides narrow = Strides.of(new int[]{r, width}, own, Strides.contiguous(new int[]{r, width}));
        Strides broadcast = Strides.broadcastTo(Shape.of(c), Shape.of(r, c));
        // [r, c] written into the right part of an [r, c + 3] concatenation
        Strides concatPart = Strides.of(dims, own, Strides.contiguous(new int[]{r, c + 3}));
        suite.compare("copyStrided (transpose, narrow, broadcast, concat part, INT32) and transposed", exact, s -> {
            Buffer X = s.reals(x), B = s.reals(bias), I = s.ints(ints);
            Buffer t = s.nans(n), nw = s.nans(r * width), bc = s.nans(n), cat = s.nans(r * (c + 3));
            Buffer ti = s.allocate(DType.INT32, n);
            Buffer[] made = new Buffer[1];
            s.timed(() -> {
                s.backend().copyStrided(X, t, transpose);
                s.backend().copyStrided(X.slice(1, n - 1), nw, narrow);
                s.backend().copyStrided(B, bc, broadcast);
                s.backend().copyStrided(X, cat.slice(3, r * (c + 3) - 3), concatPart);
                s.backend().copyStrided(I, ti, transpose);
                made[0] = s.backend().transposed(X, r, c);
            });
            double[] transposed = s.read(made[0]);
            s.backend().release(made[0]);
            return outputs(s.read(t), s.read(nw), s.read(bc), s.read(cat), s.read(ti), transposed);
        });
    }
}
