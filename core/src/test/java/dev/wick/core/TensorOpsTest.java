package dev.wick.core;

import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The op-table and shape operations at the Tensor level, in float64 on the CPU, against plain
 * loops written here from the definitions: broadcasting, reductions along every axis, permutes,
 * narrows, concatenation, and the errors for shapes that do not fit.
 */
class TensorOpsTest {

    /** Element at (i, j, k) of a row-major [a, b, c] array. */
    private static double at(double[] v, int b, int c, int i, int j, int k) {
        return v[(i * b + j) * c + k];
    }

    @Test
    void unaryOpsFollowTheirScalarFormula() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            for (UnaryOp op : UnaryOp.values()) {
                double[] x = data.uniform(37, 3);
                for (int i = 0; i < x.length; i++) x[i] = Math.max(x[i], op.domainLow());
                double[] y = e.fromDoubles(x, 37).apply(op).toDoubleArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(op.apply(x[i]), y[i], 0, data.context(op.opName() + "(" + x[i] + ")"));
                }
            }
        }
    }

    @Test
    void binaryOpsBroadcastNumpysWayOnEitherSide() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            int a = 3, b = 5, c = 7;
            double[] x = data.uniform(a * b * c, 2), row = data.uniform(c, 2), col = data.uniform(a * b, 2);
            Tensor tx = e.fromDoubles(x, a, b, c), trow = e.fromDoubles(row, c), tcol = e.fromDoubles(col, a, b, 1);
            for (BinaryOp op : BinaryOp.values()) {
                Tensor left = trow.apply(op, tx), right = tx.apply(op, tcol), outer = tcol.apply(op, trow);
                assertEquals(Shape.of(a, b, c), left.shape());
                assertEquals(Shape.of(a, b, c), outer.shape());
                double[] l = left.toDoubleArray(), r = right.toDoubleArray(), o = outer.toDoubleArray();
                for (int i = 0; i < a; i++) {
                    for (int j = 0; j < b; j++) {
                        for (int k = 0; k < c; k++) {
                            String where = data.context(op.opName() + " at " + i + "," + j + "," + k);
                            double xv = at(x, b, c, i, j, k), cv = col[i * b + j];
                            assertEquals(op.apply(row[k], xv), at(l, b, c, i, j, k), 0, where);
                            assertEquals(op.apply(xv, cv), at(r, b, c, i, j, k), 0, where);
                            assertEquals(op.apply(cv, row[k]), at(o, b, c, i, j, k), 0, where);
                        }
                    }
                }
                double scalar = 0.75;
                double[] sf = tx.applyScalarFirst(op, scalar).toDoubleArray(), sl = tx.apply(op, scalar).toDoubleArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(op.apply(scalar, x[i]), sf[i], 0, data.context(op.opName() + " scalar first"));
                    assertEquals(op.apply(x[i], scalar), sl[i], 0, data.context(op.opName() + " scalar last"));
                }
            }
        }
    }

    @Test
    void shapesThatDoNotBroadcastAreRefusedNamingBoth() {
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            Tensor x = e.zeros(DType.FLOAT64, 3, 5), y = e.zeros(DType.FLOAT64, 4);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> x.add(y));
            assertTrue(ex.getMessage().contains("[3, 5]") && ex.getMessage().contains("[4]"), ex.getMessage());
            Tensor target = e.zeros(DType.FLOAT64, 3, 5);
            assertThrows(IllegalArgumentException.class, () -> target.addInPlace(e.zeros(DType.FLOAT64, 2, 3, 5)));
            assertArrayEquals(new double[15], target.toDoubleArray());
            assertThrows(IllegalArgumentException.class, () -> x.add(e.zeros(DType.FLOAT32, 3, 5)));
        }
    }

    @Test
    void reductionsAlongEveryAxisMatchLoops() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            int[] dims = {4, 6, 9};
            double[] x = data.uniform(4 * 6 * 9, 3);
            x[7] = x[2]; // a tie
            Tensor t = e.fromDoubles(x, dims);
            for (ReduceOp op : ReduceOp.values()) {
                for (int axis = -3; axis < 3; axis++) {
                    int ax = axis < 0 ? axis + 3 : axis;
                    Tensor kept = t.reduce(op, axis, true), dropped = t.reduce(op, axis, false);
                    int[] keptDims = dims.clone();
                    keptDims[ax] = 1;
                    assertEquals(Shape.of(keptDims), kept.shape());
                    assertEquals(2, dropped.rank());
                    double[] got = kept.toDoubleArray();
                    int outer = 1, inner = 1, n = dims[ax];
                    for (int i = 0; i < ax; i++) outer *= dims[i];
                    for (int i = ax + 1; i < 3; i++) inner *= dims[i];
                    for (int o = 0; o < outer; o++) {
                        for (int q = 0; q < inner; q++) {
                            double[] run = new double[n];
                            for (int r = 0; r < n; r++) run[r] = x[(o * n + r) * inner + q];
                            assertEquals(expected(op, run), got[o * inner + q], 1e-12,
                                    data.context(op.opName() + " axis " + axis));
                        }
                    }
                }
            }
        }
    }

    /** The reduction of one run, from the definition. */
    private static double expected(ReduceOp op, double[] run) {
        double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY, sum = 0;
        int argmax = 0, argmin = 0;
        for (int i = 0; i < run.length; i++) {
            if (run[i] > max) {
                max = run[i];
                argmax = i;
            }
            if (run[i] < min) {
                min = run[i];
                argmin = i;
            }
            sum += run[i];
        }
        double exps = 0;
        for (double v : run) exps += Math.exp(v - max);
        return switch (op) {
            case SUM -> sum;
            case MEAN -> sum / run.length;
            case MAX -> max;
            case MIN -> min;
            case LOGSUMEXP -> max + Math.log(exps);
            case ARGMAX -> argmax;
            case ARGMIN -> argmin;
        };
    }

    @Test
    void emptyAxesFollowPyTorch() {
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            Tensor t = e.zeros(DType.FLOAT64, 3, 0);
            assertArrayEquals(new double[]{0, 0, 0}, t.sum(1, false).toDoubleArray());
            assertTrue(Double.isNaN(t.mean(1, false).toDoubleArray()[0]));
            assertEquals(Double.NEGATIVE_INFINITY, t.logsumexp(1, false).toDoubleArray()[0]);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> t.max(1, false));
            assertTrue(ex.getMessage().contains("empty"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.argmax(-1, false));
            assertThrows(IllegalArgumentException.class, () -> t.sum(2, false));
        }
    }

    @Test
    void softmaxAndLogSoftmaxAreStableForHugeLogits() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            double[] x = data.uniform(5 * 11, 4);
            for (int i = 0; i < 11; i++) x[i] += 1000; // a row that would overflow exp
            Tensor t = e.fromDoubles(x, 5, 11);
            double[] p = t.softmax(1).toDoubleArray(), lp = t.logSoftmax(-1).toDoubleArray();
            for (int r = 0; r < 5; r++) {
                double max = Double.NEGATIVE_INFINITY, z = 0, total = 0;
                for (int c = 0; c < 11; c++) max = Math.max(max, x[r * 11 + c]);
                for (int c = 0; c < 11; c++) z += Math.exp(x[r * 11 + c] - max);
                for (int c = 0; c < 11; c++) {
                    double expected = x[r * 11 + c] - max - Math.log(z);
                    assertEquals(expected, lp[r * 11 + c], 1e-12, data.context("logSoftmax"));
                    assertEquals(Math.exp(expected), p[r * 11 + c], 1e-12, data.context("softmax"));
                    total += p[r * 11 + c];
                }
                assertEquals(1, total, 1e-12);
            }
            double[] columns = t.softmax(0).sum(0, false).toDoubleArray();
            for (double v : columns) assertEquals(1, v, 1e-12);
        }
    }

    @Test
    void permuteTransposeNarrowSplitConcatStackAndBroadcast() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            int a = 3, b = 4, c = 5;
            double[] x = data.uniform(a * b * c, 1);
            Tensor t = e.fromDoubles(x, a, b, c);
            Tensor p = t.permute(2, 0, 1);
            assertEquals(Shape.of(c, a, b), p.shape());
            double[] pv = p.toDoubleArray();
            for (int i = 0; i < a; i++)
                for (int j = 0; j < b; j++)
                    for (int k = 0; k < c; k++) assertEquals(at(x, b, c, i, j, k), pv[(k * a + i) * b + j], 0);
            assertArrayEquals(x, t.transpose(0, 2).transpose(-1, 0).toDoubleArray(), 0);

            Tensor n = t.narrow(2, 1, 3);
            assertEquals(Shape.of(a, b, 3), n.shape());
            double[] nv = n.toDoubleArray();
            for (int i = 0; i < a; i++)
                for (int j = 0; j < b; j++)
                    for (int k = 0; k < 3; k++) assertEquals(at(x, b, c, i, j, k + 1), nv[(i * b + j) * 3 + k], 0);

            List<Tensor> parts = t.split(1, 1, 3);
            assertEquals(Shape.of(a, 1, c), parts.get(0).shape());
            assertArrayEquals(x, Tensor.concat(1, parts.get(0), parts.get(1)).toDoubleArray(), 0);
            assertArrayEquals(x, Tensor.concat(-1, t.split(-1, 2, 0, 3).toArray(new Tensor[0])).toDoubleArray(), 0);

            Tensor st = Tensor.stack(1, t, t.neg());
            assertEquals(Shape.of(a, 2, b, c), st.shape());
            assertArrayEquals(t.neg().toDoubleArray(), st.narrow(1, 1, 1).squeeze(1).toDoubleArray(), 0);

            Tensor row = e.fromDoubles(new double[]{1, 2, 3, 4, 5}, c);
            double[] bc = row.broadcastTo(a, b, c).toDoubleArray();
            for (int i = 0; i < bc.length; i++) assertEquals(i % c + 1, bc[i], 0);
            assertArrayEquals(new double[]{12, 24, 36, 48, 60}, row.broadcastTo(a, b, c).sumTo(Shape.of(c)).toDoubleArray(), 0);
            assertEquals(Shape.of(a, 1, 1), t.sumTo(Shape.of(a, 1, 1)).shape());
        }
    }

    @Test
    void transposesOfEverySizeMatchTheDefinition() {
        // The float copy transposes in tiles of rows: sizes below, at and past a tile, with tails.
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            for (int[] d : new int[][]{{1, 5}, {7, 3}, {8, 8}, {37, 19}, {64, 256}, {300, 9}}) {
                int rows = d[0], cols = d[1];
                double[] x = data.uniform(rows * cols, 1);
                for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                    Tensor t = e.fromDoubles(x, rows, cols).to(dtype);
                    double[] y = t.transpose(0, 1).toDoubleArray();
                    double[] z = t.reshape(1, rows, cols).permute(2, 0, 1).toDoubleArray();
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            double want = dtype == DType.FLOAT32 ? (float) x[i * cols + j] : x[i * cols + j];
                            assertEquals(want, y[j * rows + i], 0, dtype + " " + rows + "x" + cols + " at " + i + "," + j);
                            assertEquals(want, z[j * rows + i], 0, dtype + " permuted " + rows + "x" + cols);
                        }
                    }
                }
            }
        }
    }

    @Test
    void copyFromInPlaceBroadcastsASmallerSourceAndRefusesWhatDoesNotFit() {
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                // 37 rows: more than one chunk per thread of the row-wise copy.
                int rows = 37, cols = 5;
                Tensor dst = e.zeros(dtype, rows, cols);
                dst.copyFromInPlace(e.fromDoubles(new double[]{1, 2, 3, 4, 5}, cols).to(dtype));
                double[] v = dst.toDoubleArray();
                for (int i = 0; i < v.length; i++) assertEquals(i % cols + 1, v[i], 0, dtype + " at " + i);
                double[] column = new double[rows];
                for (int i = 0; i < rows; i++) column[i] = -i;
                dst.copyFromInPlace(e.fromDoubles(column, rows, 1).to(dtype));
                v = dst.toDoubleArray();
                for (int i = 0; i < v.length; i++) assertEquals(-(i / cols), v[i], 0, dtype + " at " + i);

                double[] before = dst.toDoubleArray();
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                        () -> dst.copyFromInPlace(e.zeros(dtype, 4)));
                assertTrue(ex.getMessage().contains("[4]"), ex.getMessage());
                assertThrows(IllegalArgumentException.class, () -> dst.copyFromInPlace(e.zeros(dtype, 2, rows, cols)));
                assertThrows(IllegalArgumentException.class, () -> dst.copyFromInPlace(dst.slice(0, 1)));
                assertThrows(IllegalArgumentException.class,
                        () -> dst.copyFromInPlace(e.zeros(dtype == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32, cols)));
                assertArrayEquals(before, dst.toDoubleArray(), 0, "a refused copy writes nothing");
            }
        }
    }

    @Test
    void badShapeArgumentsAreRefusedClearly() {
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            Tensor t = e.zeros(DType.FLOAT64, 2, 3);
            assertThrows(IndexOutOfBoundsException.class, () -> t.narrow(1, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
            assertThrows(IllegalArgumentException.class, () -> t.permute(1));
            assertThrows(IllegalArgumentException.class, () -> t.split(1, 1, 1));
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.concat(0, t, e.zeros(DType.FLOAT64, 2, 4)));
            assertTrue(ex.getMessage().contains("[2, 3]") && ex.getMessage().contains("[2, 4]"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Tensor.stack(0, t, e.zeros(DType.FLOAT64, 3, 2)));
            assertThrows(IllegalArgumentException.class, () -> t.broadcastTo(3, 3));
            assertThrows(IllegalArgumentException.class, () -> t.squeeze(0));
        }
    }

    @Test
    void whereNeverLetsTheUnchosenSideLeakThrough() {
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            Tensor a = e.fromDoubles(new double[]{1, Double.POSITIVE_INFINITY, 3, Double.NaN}, 4);
            Tensor b = e.fromDoubles(new double[]{Double.NEGATIVE_INFINITY, 20, Double.NaN, 40}, 4);
            Tensor cond = e.fromDoubles(new double[]{1, 0, 1, 0}, 4);
            assertArrayEquals(new double[]{1, 20, 3, 40}, a.where(cond, b).toDoubleArray(), 0);
            Tensor scalarCond = e.fromDoubles(new double[]{0}, 1);
            assertArrayEquals(b.toDoubleArray(), a.where(scalarCond, b).toDoubleArray(), 0);
        }
    }
}
