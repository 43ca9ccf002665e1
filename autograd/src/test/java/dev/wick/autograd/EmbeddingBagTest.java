package dev.wick.autograd;

import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * embeddingBag against a loop over the bags on the host, with repeated indices within and across
 * bags and an empty bag, in both modes; its backward (a scatter-add) against finite differences.
 */
class EmbeddingBagTest extends GradTestCase {
    private static final int V = 7, D = 4;
    @Test
    void bagsMatchTheHostReferenceAndGradientsCheck() {
        int[] idx = TestSeeds.indices(random, 13, V, 3); // few distinct values: many repeats
        int[] offsets = {0, 3, 3, 8, 12}; // bag 1 is empty, the last holds one index
        Variable w = param("weight", V, D);
        Tensor indices = e.fromInts(idx, idx.length);
        Tensor off = e.fromInts(offsets, offsets.length);
        for (F.BagMode mode : F.BagMode.values()) {
            double[] expected = reference(w.value().toDoubleArray(), idx, offsets, mode);
            Variable out = F.embeddingBag(w, indices, off, mode);
            assertEquals(dev.wick.core.Shape.of(offsets.length, D), out.shape());
            assertArrayEquals(expected, out.value().toDoubleArray(), 1e-15, "seed " + seed + " " + mode);
            check("embeddingBag " + mode, List.of(w), () -> weightedSum(F.embeddingBag(w, indices, off, mode)));
        }
    }

    /** A row looked up k times receives k contributions (scaled by 1 / bag size in MEAN mode). */
    @Test
    void repeatedIndicesReceiveEveryContribution() {
        int[] idx = {2, 2, 5, 2, 5, 0};
        int[] offsets = {0, 2, 5};
        Variable w = param("weight", V, D);
        for (F.BagMode mode : F.BagMode.values()) {
            w.zeroGrad();
            try (Scope s = e.scope(); Tape tape = Tape.record()) {
                tape.backward(F.sum(F.embeddingBag(w, e.fromInts(idx, 6), e.fromInts(offsets, 3), mode)));
            }
            double[] g = w.grad().toDoubleArray();
            double[] perRow = new double[V];
            if (mode == F.BagMode.SUM) {
                perRow[2] = 3;
                perRow[5] = 2;
                perRow[0] = 1;
            } else { // bags {2, 2}, {5, 2, 5}, {0}
                perRow[2] = 2 / 2.0 + 1 / 3.0;
                perRow[5] = 2 / 3.0;
                perRow[0] = 1;
            }
            for (int row = 0; row < V; row++) {
                for (int j = 0; j < D; j++) assertEquals(perRow[row], g[row * D + j], 1e-15, mode + " row " + row);
            }
        }
    }

    @Test
    void twoDimensionalIndicesAreBagsOfEqualLength() {
        int[] idx = TestSeeds.indices(random, 12, V, 4);
        Variable w = param("weight", V, D);
        for (F.BagMode mode : F.BagMode.values()) {
            Variable byRows = F.embeddingBag(w, e.fromInts(idx, 4, 3), null, mode);
            Variable byOffsets = F.embeddingBag(w, e.fromInts(idx, 12), e.fromInts(new int[]{0, 3, 6, 9}, 4), mode);
            assertArrayEquals(byOffsets.value().toDoubleArray(), byRows.value().toDoubleArray(), 0.0, mode.toString());
            Tensor rows = e.fromInts(idx, 4, 3);
            check("embeddingBag 2-D " + mode, List.of(w), () -> weightedSum(F.embeddingBag(w, rows, null, mode)));
        }
    }

    @Test
    void badOffsetsAndIndicesAreRefusedAndNothingIsWritten() {
        Variable w = param("weight", V, D);
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(F.sum(F.embeddingBag(w, e.fromInts(new int[]{1, 2}, 2), e.fromInts(new int[]{0}, 1),
                    F.BagMode.SUM)));
        }
        double[] weightBefore = w.value().toDoubleArray(), gradBefore = w.grad().toDoubleArray();
        Tensor idx = e.fromInts(new int[]{1, 2, 3, 4}, 4);
        int[][] badOffsets = {{1, 2}, {0, 3, 2}, {0, 5}, {}};
        String[] why = {"offsets[0] must be 0", "must not decrease", "lies past the 4 indices", "no bags"};
        try (Tape tape = Tape.record()) {
            for (int i = 0; i < badOffsets.length; i++) {
                Tensor off = e.fromInts(badOffsets[i], badOffsets[i].length);
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                        () -> F.embeddingBag(w, idx, off, F.BagMode.MEAN));
                assertTrue(ex.getMessage().contains(why[i]), ex.getMessage());
            }
            Tensor off = e.fromInts(new int[]{0, 2}, 2);
            assertThrows(IllegalArgumentException.class, () -> F.embeddingBag(w, idx, null, F.BagMode.SUM));
            assertThrows(IllegalArgumentException.class, () -> F.embeddingBag(w, e.fromInts(new int[4], 2, 2), off,
                    F.BagMode.SUM));
            assertThrows(IllegalArgumentException.class, () -> F.embeddingBag(w, e.fromInts(new int[8], 2, 2, 2), null,
                    F.BagMode.SUM));
            assertThrows(IllegalArgumentException.class, () -> F.embeddingBag(w, idx, off, null));
            IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                    () -> F.embeddingBag(w, e.fromInts(new int[]{1, 7, 0}, 3), off, F.BagMode.SUM));
            assertTrue(ex.getMessage().contains("index 7") && ex.getMessage().contains("position 1"), ex.getMessage());
            assertEquals(0, tape.size(), "nothing recorded");
        }
        assertArrayEquals(weightBefore, w.value().toDoubleArray(), 0.0);
        assertArrayEquals(gradBefore, w.grad().toDoubleArray(), 0.0);
    }

    private static double[] reference(double[] w, int[] idx, int[] offsets, F.BagMode mode) {
        double[] out = new double[offsets.length * D];
        for (int b = 0; b < offsets.length; b++) {
            int end = b + 1 < offsets.length ? offsets[b + 1] : idx.length;
            for (int i = offsets[b]; i < end; i++) {
                for (int j = 0; j < D; j++) out[b * D + j] += w[idx[i] * D + j];
            }
            int n = end - offsets[b];
            if (mode == F.BagMode.MEAN && n > 0) {
                for (int j = 0; j < D; j++) out[b * D + j] /= n;
            }
        }
        return out;
    }
}
