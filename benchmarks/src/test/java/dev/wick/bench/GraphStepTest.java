package dev.wick.bench;

import dev.wick.bench.wick.WickWorkloads;
import dev.wick.core.Engine;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The training-step workload on an engine with device graphs replays a captured step after its
 * first (as wick-lm trains); on the emulated CUDA backend its losses and clipped gradients must be
 * the eager steps', bit for bit ({@code wick.bench.graphs=false} keeps the steps eager).
 */
class GraphStepTest {

    @ParameterizedTest
    @EnumSource(CharRnnProblem.Cell.class)
    void replayedStepsComputeTheEagerStepsBits(CharRnnProblem.Cell cell) {
        long seed = System.nanoTime();
        CharRnnProblem p = CharRnnProblem.of(cell, 11, 6, 17, 3, 5, 1e-2, 5.0, seed);
        float[] replayed = afterSteps(p, true);
        float[] eager = afterSteps(p, false);
        assertArrayEquals(eager, replayed, "loss and clipped gradients after 4 steps, " + cell + ", seed " + seed);
    }

    /** Four steps (the first eager, then replays, where graphs are on), then one read back. */
    private static float[] afterSteps(CharRnnProblem p, boolean graphs) {
        String before = System.getProperty("wick.bench.graphs");
        System.setProperty("wick.bench.graphs", Boolean.toString(graphs));
        try (Engine engine = TestEngines.emulatedCuda().open();
             WickWorkloads wick = new WickWorkloads(engine);
             Workload step = wick.charRnnStep(p)) {
            for (int i = 0; i < 4; i++) step.run();
            return step.result();
        } finally {
            if (before == null) System.clearProperty("wick.bench.graphs");
            else System.setProperty("wick.bench.graphs", before);
        }
    }
}
