package dev.wick.lm.cli;

import dev.wick.core.Wick;
import dev.wick.lm.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelfcheckTest {
    @Test
    void withoutAGpuItChecksTheCpusFloat32AgainstItsFloat64() {
        Assumptions.assumeFalse(Wick.cudaAvailability().available(), "skipped: a GPU is usable here (the CUDA path runs)");
        Cli.Result r = Cli.run("selfcheck", "--seed", "12345");
        assertEquals(0, r.code(), r.describe());
        assertTrue(r.out().startsWith("no usable GPU ("), r.describe());
        assertTrue(r.out().contains("candidate: cpu") && r.out().contains("[FLOAT32]"), r.describe());
        assertTrue(r.out().contains("reference: cpu") && r.out().contains("[FLOAT64]"), r.describe());
        assertTrue(r.out().contains("gemm NN"), "every primitive has a row: " + r.describe());
        assertTrue(r.out().strip().endsWith("selfcheck: PASS (seed 12345)"), r.describe());
    }

    @Test
    void withAGpuItChecksCudaAgainstTheCpu() {
        Assumptions.assumeTrue(Wick.cudaAvailability().available(),
                "skipped: no usable GPU here (" + Wick.cudaAvailability().reason() + ")");
        Cli.Result r = Cli.run("selfcheck");
        assertEquals(0, r.code(), r.describe());
        assertTrue(r.out().contains("checking CUDA against the CPU") && r.out().contains("training"), r.describe());
    }
}
