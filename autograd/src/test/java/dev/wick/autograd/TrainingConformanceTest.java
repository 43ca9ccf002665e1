package dev.wick.autograd;

import dev.wick.autograd.check.TrainingConformance;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU against itself with another thread count: the comparison machinery runs and agrees. */
class TrainingConformanceTest {
    @Test
    void cpuWithOneAndTwoThreadsFollowTheSameLossCurve() {
        long seed = TestSeeds.fresh("training conformance");
        try (Engine one = Wick.cpu(1); Engine two = Wick.cpu(2)) {
            TrainingConformance.Result r = TrainingConformance.compare(one, two, seed, 6, 1e-5, 1e-4);
            System.out.println(r.summary());
            assertTrue(r.passed(), r.summary());
            assertEquals(6, r.candidateLosses().length);
            assertTrue(r.referenceLosses()[5] < r.referenceLosses()[0], "loss decreases: " + r.summary());
        }
    }
}
