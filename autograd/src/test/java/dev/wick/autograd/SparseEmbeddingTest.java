package dev.wick.autograd;

import dev.wick.autograd.nn.Embedding;
import dev.wick.core.DType;
import dev.wick.core.Scope;
import dev.wick.core.Shape;
import dev.wick.core.SparseRows;
import dev.wick.core.Tensor;
import dev.wick.core.backend.ScatterMode;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row-sparse embedding gradients (F.embedding with sparse = true): densified, they are the dense
 * gradient bit for bit; their rows are the distinct indices, ascending, without the padding row,
 * the rest padding; the same bits every run; mixed with dense contributions (tied weights) they
 * give the dense sum. Sizes are off every power of two.
 */
class SparseEmbeddingTest extends GradTestCase {
    private static final int V = 37, D = 5;

    /** The dense reference adds in the same order on every engine (the atomic GPU scatter does not). */
    private void deterministic() {
        e.setScatterMode(ScatterMode.DETERMINISTIC);
    }

    private Variable table(DType dtype, boolean sparseParameter) {
        Tensor w = e.fromDoubles(dtype, uniform(V * D), V, D);
        return sparseParameter ? Variable.sparseParameter("weight", w) : Variable.parameter("weight", w);
    }

    /** One backward of {@code loss} inside its own scope. */
    private void backward(Function<Variable, Variable> loss, Variable w) {
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(loss.apply(w));
        }
    }

    private Variable weighted(Variable v, DType dtype) {
        long s = seed * 31 + v.shape().hashCode();
        return F.sum(F.mul(v, Variable.constant(e.uniform(dtype, s, -1, 1, v.shape().dims()))));
    }

    @Test
    void densifiedSparseGradientIsTheDenseGradientBitForBit() {
        deterministic();
        for (DType dtype : new DType[]{DType.FLOAT64, DType.FLOAT32}) {
            int[] idx = TestSeeds.indices(random, 29, V, 9);
            int padding = idx[4];
            Tensor indices = e.fromInts(idx, 29);
            Variable dense = table(dtype, false), sparse = table(dtype, false);
            sparse.value().copyFromInPlace(dense.value());
            backward(w -> weighted(F.embedding(w, indices, padding), dtype), dense);
            backward(w -> weighted(F.embedding(w, indices, padding, true), dtype), sparse);
            assertTrue(sparse.hasSparseGrad(), "sparse gradient expected");
            try (Tensor densified = sparse.sparseGrad().toDense()) {
                assertArrayEquals(dense.grad().toDoubleArray(), densified.toDoubleArray(), 0.0,
                        "seed " + seed + " " + dtype);
            }
        }
    }

    @Test
    void rowsAreTheDistinctIndicesAscendingWithoutThePaddingRowThenPadding() {
        int n = 41;
        int[] idx = TestSeeds.indices(random, n, V, 11);
        int padding = idx[0];
        Variable w = table(DType.FLOAT64, true);
        Tensor indices = e.fromInts(idx, 41);
        backward(t -> F.sum(F.embedding(t, indices, padding, true)), w);
        SparseRows g = w.sparseGrad();
        TreeSet<Integer> distinct = new TreeSet<>();
        for (int i : idx) if (i != padding) distinct.add(i);
        int u = distinct.size();
        assertEquals(u, g.nnz(), "seed " + seed);
        assertEquals(n, g.capacity());
        assertEquals(Shape.of(V, D), g.denseShape());
        int[] rows = g.rows().toIntArray();
        int[] expectedRows = new int[n];
        Arrays.fill(expectedRows, -1);
        int k = 0;
        for (int r : distinct) expectedRows[k++] = r;
        assertArrayEquals(expectedRows, rows, "seed " + seed);
        double[] values = g.values().toDoubleArray();
        for (int q = 0; q < n; q++) {
            int row = expectedRows[q];
            double lookups = row < 0 ? 0 : Arrays.stream(idx).filter(i -> i == row).count(); // d sum / d w = count
            for (int j = 0; j < D; j++) assertEquals(lookups, values[q * D + j], 0.0, "slot " + q + " seed " + seed);
        }
    }

    @Test
    void repeatedIndicesAreSummed() {
        int[] idx = {3, 1, 3, 3, 0, 1};
        Variable w = table(DType.FLOAT64, true);
        double[] up = uniform(idx.length * D);
        Variable weights = Variable.constant(e.fromDoubles(up, idx.length, D));
        backward(t -> F.sum(F.mul(F.embedding(t, e.fromInts(idx, idx.length), -1, true), weights)), w);
        SparseRows g = w.sparseGrad();
        assertArrayEquals(new int[]{0, 1, 3, -1, -1, -1}, g.rows().toIntArray());
        double[] v = g.values().toDoubleArray();
        for (int j = 0; j < D; j++) {
            assertEquals(up[4 * D + j], v[j], 0.0);
            assertEquals(0.0 + up[1 * D + j] + up[5 * D + j], v[D + j], 0.0);
            assertEquals(0.0 + up[j] + up[2 * D + j] + up[3 * D + j], v[2 * D + j], 0.0);
            for (int q = 3; q < 6; q++) assertEquals(0.0, v[q * D + j], 0.0);
        }
    }

    @Test
    void theSameBitsEveryRun() {
        int[] idx = TestSeeds.indices(random, 54, V, 7);
        Tensor indices = e.fromInts(idx, 9, 6); // indices of any shape
        Variable w = table(DType.FLOAT32, true);
        double[][] runs = new double[2][];
        int[][] rows = new int[2][];
        for (int run = 0; run < 2; run++) {
            w.zeroGrad();
            backward(t -> weighted(F.embedding(t, indices, -1, true), DType.FLOAT32), w);
            runs[run] = w.sparseGrad().values().toDoubleArray();
            rows[run] = w.sparseGrad().rows().toIntArray();
        }
        assertArrayEquals(rows[0], rows[1]);
        assertArrayEquals(runs[0], runs[1], 0.0, "seed " + seed);
    }

    @Test
    void gradientsCheckAgainstFiniteDifferences() {
        int[] idx = TestSeeds.indices(random, 13, 7, 4);
        Variable w = param("weight", 7, 3);
        Tensor indices = e.fromInts(idx, 13);
        check("sparse embedding", List.of(w), () -> weightedSum(F.embedding(w, indices, -1, true)));
    }

    /** A weight shared by a sparse embedding and a dense output layer gets the dense sum, in either order. */
    @Test
    void tiedWeightsMixSparseAndDenseIntoTheDenseSum() {
        deterministic();
        int[] idx = TestSeeds.indices(random, 11, V, 5);
        Tensor indices = e.fromInts(idx, 11);
        Variable x = constant(uniform(3 * D), 3, D);
        for (boolean denseFirst : new boolean[]{true, false}) {
            Function<Variable, Function<Boolean, Variable>> model = w -> sparse -> {
                Variable emb = F.embedding(w, indices, -1, sparse);
                Variable logits = F.linear(denseFirst ? emb : x, w, null);           // dense contribution
                Variable other = denseFirst ? weighted(x, DType.FLOAT64) : weighted(emb, DType.FLOAT64);
                return F.add(weighted(logits, DType.FLOAT64), other);
            };
            Variable dense = table(DType.FLOAT64, false), tied = table(DType.FLOAT64, true);
            tied.value().copyFromInPlace(dense.value());
            backward(w -> model.apply(w).apply(false), dense);
            backward(w -> model.apply(w).apply(true), tied);
            assertFalse(tied.hasSparseGrad(), "a dense contribution makes the gradient dense");
            assertArrayEquals(dense.grad().toDoubleArray(), tied.grad().toDoubleArray(), 1e-12,
                    "seed " + seed + (denseFirst ? ", dense first" : ", sparse first"));
        }
    }

    /** Two sparse lookups of one table, and two backwards without zeroGrad, coalesce into one gradient. */
    @Test
    void sparseContributionsAccumulateIntoOneCoalescedGradient() {
        deterministic();
        int[] a = TestSeeds.indices(random, 9, V, 4), b = TestSeeds.indices(random, 7, V, 4);
        Tensor ia = e.fromInts(a, 9), ib = e.fromInts(b, 7);
        Variable dense = table(DType.FLOAT64, false), sparse = table(DType.FLOAT64, true);
        sparse.value().copyFromInPlace(dense.value());
        for (int pass = 0; pass < 2; pass++) {
            backward(w -> F.add(weighted(F.embedding(w, ia, -1, false), DType.FLOAT64),
                    weighted(F.embedding(w, ib, -1, false), DType.FLOAT64)), dense);
            backward(w -> F.add(weighted(F.embedding(w, ia, -1, true), DType.FLOAT64),
                    weighted(F.embedding(w, ib, -1, true), DType.FLOAT64)), sparse);
        }
        SparseRows g = sparse.sparseGrad();
        assertEquals(2 * (9 + 7), g.capacity());
        int[] rows = g.rows().toIntArray();
        for (int q = 1; q < g.nnz(); q++) assertTrue(rows[q - 1] < rows[q], "ascending and distinct");
        try (Tensor densified = g.toDense()) {
            assertArrayEquals(dense.grad().toDoubleArray(), densified.toDoubleArray(), 1e-12, "seed " + seed);
        }
    }

    @Test
    void aSparseParameterHoldsNoDenseGradientAndZeroGradFillsNothing() {
        Embedding emb = new Embedding(e, DType.FLOAT64, V, D, seed, 2, true);
        Variable w = emb.weight();
        assertTrue(emb.sparse());
        assertTrue(w.isParameter());
        assertFalse(w.hasGrad());
        assertNull(w.grad(), "no dense V x D gradient is allocated for a sparse embedding");
        int[] idx = {2, 5, 5, 30};
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(F.sum(emb.forward(e.fromInts(idx, 4))));
        }
        // the gradient outlives the step's scope: it belongs to the parameter
        assertTrue(w.hasSparseGrad());
        assertEquals(2, w.sparseGrad().nnz());
        IllegalStateException e1 = assertThrows(IllegalStateException.class, w::grad);
        assertTrue(e1.getMessage().contains("sparseGrad()"), e1.getMessage());
        SparseRows before = w.sparseGrad();
        w.zeroGrad();
        assertTrue(before.isClosed(), "zeroGrad drops the sparse gradient");
        assertFalse(w.hasGrad());
        assertNull(w.sparseGrad());
        assertNull(w.grad(), "and allocates no dense one");
    }

    @Test
    void badInputIsRefusedWithAClearError() {
        Variable w = table(DType.FLOAT64, true);
        IndexOutOfBoundsException out = assertThrows(IndexOutOfBoundsException.class,
                () -> F.embedding(w, e.fromInts(new int[]{1, V}, 2), -1, true));
        assertTrue(out.getMessage().contains(String.valueOf(V)), out.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.embedding(w, e.fromInts(new int[]{1}, 1), V, true));
        Tensor grad = e.zeros(DType.FLOAT64, 3, D);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> grad.coalesceRows(e.fromInts(new int[]{1, 2}, 2), V, -1));
        assertTrue(shape.getMessage().contains("[3, " + D + "]"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> grad.coalesceRows(e.fromInts(new int[]{1, 2, 3}, 3), V, V));
        assertThrows(IndexOutOfBoundsException.class, () -> grad.coalesceRows(e.fromInts(new int[]{1, -1, 3}, 3), V, -1));
        try (SparseRows g = e.zeros(DType.FLOAT64, 2, D).coalesceRows(e.fromInts(new int[]{0, 1}, 2), V, -1)) {
            IllegalArgumentException fit = assertThrows(IllegalArgumentException.class,
                    () -> e.zeros(DType.FLOAT64, V + 1, D).addSparseInPlace(g));
            assertTrue(fit.getMessage().contains("does not fit"), fit.getMessage());
        }
        assertNotNull(w.value());
    }
}
