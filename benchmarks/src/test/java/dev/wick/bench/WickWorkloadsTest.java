package dev.wick.bench;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Wick side of every benchmark computes what its name says, on small, odd-sized random problems. */
class WickWorkloadsTest {
    private final long seed = System.nanoTime();
    private Workloads wick;

    @BeforeEach
    void open() {
        wick = Backends.open(Backends.WICK_CPU);
    }

    @AfterEach
    void close() {
        wick.close();
    }

    private String seedNote() {
        return "seed " + seed;
    }

    @Test
    void gemmMultiplies() {
        int m = 13, k = 37, n = 9;
        float[] a = HostData.uniform(seed, m * k, -1, 1), b = HostData.uniform(seed + 1, k * n, -1, 1);
        try (Workload w = wick.gemm(false, false, m, k, n, a, b)) {
            w.run();
            assertTrue(Reference.relativeError(w.result(), Reference.gemm(m, k, n, a, b)) < 1e-5, seedNote());
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"true, false", "false, true", "true, true"})
    void gemmReadsTransposedOperandsAsStored(boolean transA, boolean transB) {
        int m = 11, k = 29, n = 17;
        // Stored as the layout says; the reference gets them laid out [m, k] and [k, n].
        float[] a = HostData.uniform(seed, m * k, -1, 1), b = HostData.uniform(seed + 1, k * n, -1, 1);
        float[] opA = transA ? transpose(a, k, m) : a, opB = transB ? transpose(b, n, k) : b;
        try (Workload w = wick.gemm(transA, transB, m, k, n, a, b)) {
            assertTrue(Reference.relativeError(w.result(), Reference.gemm(m, k, n, opA, opB)) < 1e-5, seedNote());
        }
    }

    /** The [cols, rows] transpose of a row-major [rows, cols] array. */
    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        }
        return t;
    }

    @Test
    void embeddingForwardGathersAndBackwardSumsRepeatedRows() {
        // 300 lookups among 7 of 101 rows: every row that is looked up repeats.
        EmbeddingProblem p = EmbeddingProblem.parse("101x19/300/7", seed);
        try (Workload forward = wick.embedding(p, false); Workload backward = wick.embedding(p, true)) {
            assertEquals(0.0, Reference.relativeError(forward.result(), Reference.gather(p)), seedNote());
            backward.run(); // a second run must not accumulate onto the first
            assertTrue(Reference.relativeError(backward.result(), Reference.scatterAdd(p)) < 1e-5, seedNote());
        }
    }

    @Test
    void softmaxCrossEntropyYieldsTheLogitsGradient() {
        int rows = 29, cols = 67;
        float[] logits = HostData.uniform(seed, rows * cols, -4, 4);
        int[] targets = HostData.indices(seed + 1, rows, cols, cols);
        try (Workload w = wick.softmaxCrossEntropy(rows, cols, logits, targets)) {
            w.run();
            double err = Reference.relativeError(w.result(), Reference.crossEntropyGradient(rows, cols, logits, targets));
            assertTrue(err < 1e-6, seedNote() + ": error " + err);
        }
    }

    @ParameterizedTest
    @EnumSource(CharRnnProblem.Cell.class)
    void charRnnStepStartsFromTheGivenModelAndLearns(CharRnnProblem.Cell cell) {
        CharRnnProblem p = CharRnnProblem.of(cell, 11, 6, 17, 3, 5, 1e-2, 5.0, seed);
        double expected = Reference.charRnnLoss(p);
        try (Workload step = wick.charRnnStep(p)) {
            float first = step.result()[0];
            assertEquals(expected, first, 1e-5 * Math.max(1, expected), seedNote() + ", " + cell);
            for (int i = 0; i < 30; i++) step.run();
            float later = step.result()[0];
            assertTrue(later < 0.8 * first, seedNote() + ", " + cell + ": loss went from " + first + " to " + later
                    + " on one repeated batch");
        }
    }

    @Test
    void driverAllocationsAreCounted() {
        assertTrue(wick.driverAllocations() >= 0);
    }
}
