package dev.wick.autograd;

import dev.wick.autograd.check.TrainingConformance;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few training steps on an engine against the CPU from the same seed: the same loss curve. On
 * the CPU the candidate is the CPU with two threads against one (the machinery runs and agrees);
 * EveryEngineTest runs it with the CUDA engines as candidates.
 */
class TrainingConformanceTest {
    /** The candidate engine; EveryEngineTest runs this again with the others. */
    TestEngines.Kind engine() {
        return TestEngines.cpu();
    }

    @Test
    void followsTheCpusLossCurve() {
        long seed = TestSeeds.fresh("training conformance");
        try (Engine two = engine().open(); Engine one = Wick.cpu(1)) {
            TrainingConformance.Result r = TrainingConformance.compare(one, two, seed, 6, 1e-5, 1e-4);
            System.out.println(r.summary());
            assertTrue(r.passed(), r.summary());
            assertEquals(6, r.candidateLosses().length);
            assertTrue(r.referenceLosses()[5] < r.referenceLosses()[0], "loss decreases: " + r.summary());
        }
    }
}
