package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * StepGraph's schedule: the first step eager, the second captured and replayed with the host work
 * before every replay, eager throughout where there are no graphs or the device refuses them, and
 * a new capture after a reset. A step here adds x into an accumulator, so the accumulator counts
 * the steps whose device work really ran (a capture runs none of it).
 */
class StepGraphTest {
    /** A step that adds x into acc, counting how often each part of it was called. */
    private static final class Counting {
        final Tensor x;
        final Tensor acc;
        int eager;
        int beforeReplay;
        int captured;

        Counting(Engine e) {
            x = e.fromFloats(new float[]{1.5f, -2f, 0.25f}, 3);
            acc = e.zeros(DType.FLOAT32, 3);
        }

        boolean run(StepGraph steps) {
            return steps.run(() -> {
                eager++;
                acc.addInPlace(x);
            }, () -> beforeReplay++, () -> {
                captured++;
                acc.addInPlace(x);
            });
        }

        void assertStepsRan(int n) {
            assertArrayEquals(new float[]{1.5f * n, -2f * n, 0.25f * n}, acc.toFloatArray(), n + " steps");
        }
    }

    @Test
    void theSecondStepIsCapturedAndEveryLaterOneReplaysIt() {
        try (Engine e = TestEngines.emulatedCuda().open(); StepGraph steps = new StepGraph(e, true)) {
            Counting c = new Counting(e);
            assertTrue(steps.replays(), steps.description());
            assertFalse(c.run(steps), "the first step warms the memory cache up, eagerly");
            for (int i = 2; i <= 5; i++) assertTrue(c.run(steps), "step " + i + " replays");
            assertEquals(1, c.eager);
            assertEquals(1, c.captured, "captured once");
            assertEquals(4, c.beforeReplay, "the host work runs before each replay");
            assertEquals(4, steps.replayedSteps());
            c.assertStepsRan(5);
            assertNull(steps.takeRefusal());

            steps.reset();
            assertFalse(c.run(steps), "eager again after a reset");
            assertTrue(c.run(steps));
            assertEquals(2, c.captured, "captured again after a reset");
            c.assertStepsRan(7);
        }
    }

    @Test
    void aRefusedCaptureLeavesEveryStepEagerAndSaysWhyOnce() {
        try (Engine e = TestEngines.emulatedCudaRefusingGraphs().open(); StepGraph steps = new StepGraph(e, true)) {
            Counting c = new Counting(e);
            assertFalse(c.run(steps));
            assertNull(steps.takeRefusal(), "the first step does not try a capture");
            assertFalse(c.run(steps), "the second step's capture is refused: it runs eagerly");
            String why = steps.takeRefusal();
            assertNotNull(why);
            assertTrue(why.startsWith("the capture failed: "), why);
            assertNull(steps.takeRefusal(), "said once");
            for (int i = 3; i <= 4; i++) assertFalse(c.run(steps), "step " + i + " is eager");
            assertNull(steps.takeRefusal(), "no capture is tried again");
            assertEquals(4, c.eager);
            assertEquals(0, c.beforeReplay);
            assertFalse(steps.replays());
            assertEquals(0, steps.replayedSteps());
            assertEquals("training steps: eager (" + why + ")", steps.description());
            c.assertStepsRan(4);
        }
    }

    @Test
    void stepsAreEagerWithoutGraphsOrWhenTurnedOff() {
        try (Engine cpu = TestEngines.cpu().open(); StepGraph steps = new StepGraph(cpu, true)) {
            Counting c = new Counting(cpu);
            for (int i = 1; i <= 3; i++) assertFalse(c.run(steps));
            assertEquals(3, c.eager);
            c.assertStepsRan(3);
            assertFalse(steps.replays());
            assertEquals("training steps: eager (" + cpu.device() + " has no device graphs)", steps.description());
        }
        try (Engine cuda = TestEngines.emulatedCuda().open(); StepGraph steps = new StepGraph(cuda, false)) {
            Counting c = new Counting(cuda);
            for (int i = 1; i <= 3; i++) assertFalse(c.run(steps));
            assertEquals(0, c.captured);
            c.assertStepsRan(3);
            assertEquals("training steps: eager (graphs turned off)", steps.description());
        }
    }
}
