package dev.wick.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CompareTest {
    @Test
    void benchmarksWithoutABackendParameterAreFiledUnderTheirLibrary() {
        // A report once filed these under a column named "null".
        assertEquals(Backends.WICK_CPU, Compare.fixedBackend(WordLmStepBench.class.getName() + ".trainStep"));
        assertEquals(Backends.PYTORCH_CPU_FUSED, Compare.fixedBackend("dev.wick.bench.torch.TorchWordLmStepBench.trainStep"));
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertEquals(2.0, Compare.median(new double[]{3, 1, 2}));
        assertEquals(2.5, Compare.median(new double[]{4, 1, 3, 2}));
        assertEquals(Double.NaN, Compare.median(new double[0]));
    }
}
