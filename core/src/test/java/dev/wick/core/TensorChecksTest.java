package dev.wick.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tensor-level checks: bad indices, mismatched shapes and closed tensors fail clearly and write nothing. */
class TensorChecksTest {

    @Test
    void gatherWithAnIndexOutsideTheVocabularyNamesIndexPositionAndSize() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            int vocab = 10;
            Tensor table = e.uniform(DType.FLOAT32, 1, -1, 1, vocab, 4);
            for (int bad : new int[]{-1, vocab, Integer.MIN_VALUE}) {
                int[] idx = data.indices(7, vocab);
                int pos = data.nextInt(idx.length);
                idx[pos] = bad;
                Tensor indices = e.fromInts(idx, 7);
                IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class, () -> table.gather(indices));
                assertMentions(ex, "index " + bad, "position " + pos, "vocabulary size " + vocab);
            }
        }
    }

    @Test
    void scatterAddWithABadIndexThrowsAndLeavesTheTableUnchanged() {
        TestData data = TestData.fresh();
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            int vocab = 12, dim = 5, count = 9;
            for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                Tensor table = e.uniform(dtype, 3, -1, 1, vocab, dim);
                double[] before = table.toDoubleArray();
                for (int bad : new int[]{-3, vocab}) {
                    int[] idx = data.indices(count, vocab);
                    int pos = 1 + data.nextInt(count - 1); // valid rows before it must not be added either
                    idx[pos] = bad;
                    Tensor src = e.uniform(dtype, 4, -1, 1, count, dim);
                    IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                            () -> table.scatterAdd(e.fromInts(idx, count), src));
                    assertMentions(ex, "index " + bad, "position " + pos, "vocabulary size " + vocab);
                    assertArrayEquals(before, table.toDoubleArray(), data.context(dtype + " table unchanged after a bad index"));
                }
            }
        }
    }

    /**
     * A table of no rows accepts no index, 0 included: on a zero-row view of a larger table, index 0
     * would be the base's row just past the view (the check used to exempt 0).
     */
    @Test
    void aZeroRowViewAcceptsNoIndexAndNothingOfTheBaseIsReadOrWritten() {
        try (Engine e = Wick.cpu(1); Scope s = e.scope()) {
            for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
                Tensor base = e.uniform(dtype, 5, -1, 1, 4, 3);
                double[] before = base.toDoubleArray();
                for (int start : new int[]{0, 2, 4}) {
                    Tensor empty = base.slice(start, start);
                    assertEquals(0, empty.shape().dim(0));
                    for (int[] idx : new int[][]{{0}, {2, 0}, {-1}}) {
                        Tensor indices = e.fromInts(idx, idx.length);
                        assertMentions(assertThrows(IndexOutOfBoundsException.class, () -> empty.gather(indices)),
                                "index " + idx[0], "position 0", "[0, 0)");
                        Tensor src = e.full(dtype, 9, idx.length, 3);
                        assertMentions(assertThrows(IndexOutOfBoundsException.class, () -> empty.scatterAdd(indices, src)),
                                "index " + idx[0], "position 0", "[0, 0)");
                    }
                    // No lookups at all is fine on an empty table.
                    assertEquals(0, empty.gather(e.fromInts(new int[0], 0)).numel());
                }
                assertArrayEquals(before, base.toDoubleArray(), dtype + ": the base is untouched");
            }
        }
    }

    /** Indices on another engine are refused up front (they used to fail inside the kernel, "not a CPU buffer"). */
    @Test
    void indicesFromAnotherEngineAreRefusedBeforeAnythingIsWritten() {
        try (Engine e = Wick.cpu(1); Engine other = Wick.cpu(1); Scope s = e.scope(); Scope so = other.scope()) {
            Tensor table = e.uniform(DType.FLOAT32, 2, -1, 1, 6, 3);
            double[] before = table.toDoubleArray();
            Tensor foreign = other.fromInts(new int[]{0, 5, 5}, 3);
            Tensor src = e.uniform(DType.FLOAT32, 3, -1, 1, 3, 3);
            for (Executable call : new Executable[]{() -> table.gather(foreign), () -> table.scatterAdd(foreign, src)}) {
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
                assertMentions(ex, "different engines");
            }
            assertArrayEquals(before, table.toDoubleArray(), "table unchanged");
        }
    }

    @Test
    void softmaxCrossEntropyChecksTargetsButAcceptsTheIgnoreIndex() {
        try (Engine e = Wick.cpu(1); Scope s = e.scope()) {
            Tensor logits = e.uniform(DType.FLOAT64, 5, -1, 1, 3, 4);
            IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                    () -> logits.softmaxCrossEntropy(e.fromInts(new int[]{0, 4, 1}, 3), -100));
            assertMentions(ex, "index 4", "position 1", "4");
            try (Tensor.LossAndGradient lg = logits.softmaxCrossEntropy(e.fromInts(new int[]{0, -100, 3}, 3), -100)) {
                assertTrue(Double.isFinite(lg.loss().item()));
                double[] g = lg.dLogits().toDoubleArray();
                for (int j = 4; j < 8; j++) assertEquals(0.0, g[j], "ignored row has zero gradient");
            }
        }
    }

    @Test
    void mismatchedShapesAreIllegalArgumentsNamingBothShapes() {
        try (Engine e = Wick.cpu(1); Scope s = e.scope()) {
            Tensor a = e.zeros(DType.FLOAT32, 2, 3), b = e.zeros(DType.FLOAT32, 4, 5), c = e.zeros(DType.FLOAT32, 3, 2);
            assertMentions(assertThrows(IllegalArgumentException.class, () -> a.matmul(b)), "[2, 3]", "[4, 5]");
            assertMentions(assertThrows(IllegalArgumentException.class, () -> a.add(c)), "[2, 3]", "[3, 2]");
            assertMentions(assertThrows(IllegalArgumentException.class, () -> a.mul(b)), "[2, 3]", "[4, 5]");
            assertMentions(assertThrows(IllegalArgumentException.class, () -> a.addInPlace(c)), "[2, 3]", "[3, 2]");
            assertMentions(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.gemm(false, false, 1, a, c, 0, e.zeros(DType.FLOAT32, 2, 3))), "[2, 3]", "[3, 2]");
            assertMentions(assertThrows(IllegalArgumentException.class,
                    () -> Tensor.gemm(true, false, 1, a, b, 0, e.zeros(DType.FLOAT32, 3, 5))), "[2, 3]", "[4, 5]");
            // the same shapes, lined up, work
            Tensor.gemm(true, false, 1, a, e.zeros(DType.FLOAT32, 2, 5), 0, e.zeros(DType.FLOAT32, 3, 5));
            assertMentions(assertThrows(IllegalArgumentException.class, () -> a.matmul(e.zeros(DType.FLOAT64, 3, 2))),
                    "FLOAT32", "FLOAT64");
        }
    }

    @Test
    void aClosedTensorIsAnIllegalState() {
        try (Engine e = Wick.cpu(1)) {
            Tensor a = e.zeros(DType.FLOAT32, 2, 2), b = e.zeros(DType.FLOAT32, 2, 2);
            a.close();
            a.close(); // idempotent
            assertTrue(a.isClosed());
            for (Executable use : new Executable[]{a::toFloatArray, () -> a.add(b), () -> b.add(a), () -> a.matmul(b),
                    a::tanh, () -> a.fillInPlace(1), a::sum, () -> a.reshape(4), a::buffer}) {
                assertMentions(assertThrows(IllegalStateException.class, use), "closed");
            }
            b.close();
            assertEquals(0, e.memoryStats().bytesInUse());
        }
    }

    @Test
    void viewsShareMemoryAndDieWithTheirBase() {
        try (Engine e = Wick.cpu(1)) {
            Tensor base = e.fromFloats(new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 4, 3);
            long inUse = e.memoryStats().bytesInUse();
            Tensor flat = base.reshape(12);
            Tensor rows = base.slice(1, 3);
            assertEquals(Shape.of(2, 3), rows.shape());
            assertArrayEquals(new float[]{3, 4, 5, 6, 7, 8}, rows.toFloatArray());
            rows.fillInPlace(-1);
            assertArrayEquals(new float[]{0, 1, 2, -1, -1, -1, -1, -1, -1, 9, 10, 11}, flat.toFloatArray(),
                    "a write through one view shows through the base and the other views");
            Tensor row = rows.slice(1, 2); // a view of a view
            row.reshape(3).fillInPlace(7);
            assertArrayEquals(new float[]{0, 1, 2, -1, -1, -1, 7, 7, 7, 9, 10, 11}, base.toFloatArray());
            rows.close();
            assertEquals(inUse, e.memoryStats().bytesInUse(), "closing a view frees nothing");
            assertArrayEquals(new float[]{7, 7, 7}, row.toFloatArray(), "other views of an open base stay usable");
            base.close();
            assertEquals(inUse - 48, e.memoryStats().bytesInUse());
            for (Tensor view : new Tensor[]{flat, row}) {
                assertTrue(view.isClosed());
                assertMentions(assertThrows(IllegalStateException.class, view::toFloatArray), "closed");
            }
            assertThrows(IndexOutOfBoundsException.class, () -> e.zeros(DType.FLOAT32, 4, 3).slice(2, 5));
            assertThrows(IllegalArgumentException.class, () -> e.zeros(DType.FLOAT32, 4, 3).reshape(5, 2));
        }
    }

    @Test
    void closingTheEngineInvalidatesItsTensors() {
        Engine e = Wick.cpu(2);
        Tensor t = e.zeros(DType.FLOAT32, 3);
        e.close();
        assertTrue(t.isClosed());
        assertThrows(IllegalStateException.class, t::toFloatArray);
        t.close(); // nothing to release any more, and no error
        assertThrows(IllegalStateException.class, () -> e.zeros(DType.FLOAT32, 1));
    }

    private static void assertMentions(Throwable t, String... parts) {
        String message = String.valueOf(t.getMessage());
        for (String p : parts) {
            assertTrue(message.contains(p), "message \"" + message + "\" should mention \"" + p + "\"");
        }
    }

    /** A passed index check is remembered only until something writes the indices, through any view. */
    @Test
    void indicesAreCheckedAgainAfterAnyWrite() {
        try (Engine e = Wick.cpu(2); Scope s = e.scope()) {
            Tensor table = e.zeros(DType.FLOAT32, 5, 3);
            Tensor idx = e.fromInts(new int[]{0, 4, 2, 1}, 4);
            table.gather(idx);
            idx.copyFromInPlace(e.fromInts(new int[]{0, 4, 9, 1}, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> table.gather(idx));
            idx.fillInPlace(3);
            table.gather(idx);
            idx.slice(1, 2).fillInPlace(-1); // through a view of the checked tensor
            IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class, () -> table.gather(idx));
            assertMentions(ex, "index -1", "position 1");
            idx.fillInPlace(2);
            table.gather(idx);
            assertThrows(IndexOutOfBoundsException.class, () -> e.zeros(DType.FLOAT32, 2, 3).gather(idx)); // another bound
        }
    }
}
