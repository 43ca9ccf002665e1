package dev.wick.lm.train;

import dev.wick.core.Engine;
import dev.wick.cuda.TestEngines;
import dev.wick.lm.TestTexts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The selfcheck's graph check, on the emulated CUDA backend (a real GPU runs it in wick-lm selfcheck). */
class GraphCheckTest {

    @Test
    void replayedStepsPassTheCheck() {
        long seed = TestTexts.freshSeed("replayedStepsPassTheCheck");
        try (Engine engine = TestEngines.emulatedCuda().open()) {
            GraphCheck.Result r = GraphCheck.run(engine, seed);
            assertTrue(r.passed(), r.summary() + ", seed " + seed);
            assertEquals(GraphCheck.STEPS - 1, r.replayedSteps());
            assertTrue(r.summary().endsWith(": PASS"), r.summary());
        }
    }

    @Test
    void aDifferenceFails() {
        double[] losses = {3, 2.5, 2.25, 2.0, 1.9};
        double[] other = losses.clone();
        other[4] = Math.nextUp(other[4]);
        GraphCheck.Result r = new GraphCheck.Result(losses, other, GraphCheck.STEPS - 1, null, "graphs");
        assertFalse(r.passed());
        assertTrue(r.summary().endsWith("FAIL (the losses differ)"), r.summary());
        assertFalse(new GraphCheck.Result(losses, losses, 0, null, "eager").passed());
        assertFalse(new GraphCheck.Result(losses, losses, GraphCheck.STEPS - 1, "rnn.weight_hh_l0", "graphs").passed());
    }

    @Test
    void theCpuHasNoGraphsToCheck() {
        try (Engine engine = TestEngines.cpu().open()) {
            assertThrows(IllegalArgumentException.class, () -> GraphCheck.run(engine, 1));
        }
    }
}
