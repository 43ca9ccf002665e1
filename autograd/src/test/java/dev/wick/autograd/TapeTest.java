package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TapeTest {
    private Engine e;

    /** The engine these tests run on; EveryEngineTest runs them again on the others. */
    TestEngines.Kind engine() {
        return TestEngines.cpu();
    }

    @org.junit.jupiter.api.BeforeEach
    void open() {
        e = engine().open();
    }

    @AfterEach
    void close() {
        if (e != null) e.close(); // null when the engine was not available and the test skipped
    }

    private Variable param(double... values) {
        return Variable.parameter("p", e.fromDoubles(values, values.length));
    }

    @Test
    void recordsOnlyWhileRecordingAndNotUnderNoGrad() {
        Variable a = param(1, 2, 3);
        assertFalse(Tape.isRecording());
        assertFalse(F.tanh(a).requiresGrad(), "no tape: results are constants");
        try (Tape tape = Tape.record()) {
            assertTrue(Tape.isRecording());
            Variable y = F.tanh(a);
            assertTrue(y.requiresGrad());
            assertEquals(1, tape.size());
            try (Tape.NoGrad ng = Tape.noGrad()) {
                assertFalse(Tape.isRecording());
                assertFalse(F.tanh(a).requiresGrad());
            }
            assertEquals(1, tape.size());
            Variable c = Variable.constant(e.fromDoubles(new double[]{1, 1, 1}, 3));
            assertFalse(F.tanh(c).requiresGrad(), "inputs without grad are not recorded");
            assertEquals(1, tape.size());
        }
        assertFalse(Tape.isRecording());
    }

    @Test
    void gradientsAccumulateAcrossBackwardsUntilZeroed() {
        Variable a = param(1, -2, 3);
        for (int i = 0; i < 2; i++) {
            try (Scope s = e.scope(); Tape tape = Tape.record()) {
                tape.backward(F.sum(F.scale(a, 3.0)));
            }
        }
        assertArrayEquals(new double[]{6, 6, 6}, a.grad().toDoubleArray());
        a.zeroGrad();
        assertArrayEquals(new double[]{0, 0, 0}, a.grad().toDoubleArray());
    }

    @Test
    void aValueUsedTwiceGetsBothContributions() {
        Variable a = param(1, 2, 3);
        try (Tape tape = Tape.record()) {
            // d/da sum(a*a + a) = 2a + 1
            tape.backward(F.sum(F.add(F.mul(a, a), a)));
        }
        assertArrayEquals(new double[]{3, 5, 7}, a.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void secondBackwardOverAReleasedTapeThrows() {
        Variable a = param(1, 2);
        try (Tape tape = Tape.record()) {
            Variable loss = F.sum(F.tanh(a));
            tape.backward(loss);
            IllegalStateException ex = assertThrows(IllegalStateException.class, () -> tape.backward(loss));
            assertTrue(ex.getMessage().contains("already called"), ex.getMessage());
            assertThrows(IllegalStateException.class, () -> F.tanh(a), "recording on a released tape");
        }
    }

    /**
     * A loss from a closed tape has lost what its backward needs: backward on that tape, or on a
     * new one that never saw it, is an IllegalStateException, and no gradient changes (it used to
     * reach no node on the new tape and leave every gradient silently as it was).
     */
    @Test
    void backwardOnALossFromAClosedTapeIsAnIllegalStateAndChangesNoGradient() {
        Variable a = param(1, 2);
        Variable loss;
        Tape closedTape;
        try (Tape tape = Tape.record()) {
            loss = F.sum(F.tanh(a));
            closedTape = tape;
        }
        Variable lost = loss;
        assertTrue(assertThrows(IllegalStateException.class, () -> closedTape.backward(lost)).getMessage()
                .contains("closed tape"));
        try (Tape fresh = Tape.record()) {
            F.tanh(a); // the new tape records something, just not this loss
            IllegalStateException ex = assertThrows(IllegalStateException.class, () -> fresh.backward(lost));
            assertTrue(ex.getMessage().contains("not recorded on this tape"), ex.getMessage());
        }
        assertFalse(a.hasGrad(), "no backward reached the parameter");
    }

    @Test
    void backwardNeedsAScalarThatTakesAGradient() {
        Variable a = param(1, 2);
        try (Tape tape = Tape.record()) {
            Variable y = F.tanh(a);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> tape.backward(y));
            assertTrue(ex.getMessage().contains("[2]"), ex.getMessage());
            Variable c = Variable.constant(e.scalar(DType.FLOAT64, 1));
            assertThrows(IllegalArgumentException.class, () -> tape.backward(c));
        }
    }

    @Test
    void intermediateGradientsAreFreedAndLeavesKeepTheirs() {
        Variable a = param(0.5, -0.5);
        Variable hidden;
        try (Tape tape = Tape.record()) {
            hidden = F.tanh(a);
            tape.backward(F.sum(hidden));
        }
        assertNull(hidden.grad(), "intermediate gradient released after backward");
        double[] g = a.grad().toDoubleArray();
        assertEquals(1 - Math.pow(Math.tanh(0.5), 2), g[0], 1e-12);
    }

    @Test
    void aTrainingStepInAScopeLeavesOnlyParametersBehind() {
        Variable w = Variable.parameter("w", e.uniform(DType.FLOAT32, 1, -1, 1, 8, 4));
        Variable x = Variable.constant(e.uniform(DType.FLOAT32, 2, -1, 1, 5, 4));
        long inUse = 0;
        for (int step = 0; step < 5; step++) {
            try (Scope s = e.scope(); Tape tape = Tape.record()) {
                Variable logits = F.linear(x, w, null);
                tape.backward(F.crossEntropy(logits, e.fromInts(new int[]{0, 1, 2, 3, 7}, 5)));
            }
            long now = e.memoryStats().bytesInUse();
            if (step > 0) assertEquals(inUse, now, "step " + step + " left tensors behind");
            inUse = now;
        }
    }

    @Test
    void detachCutsTheGraph() {
        Variable a = param(1, 2);
        try (Tape tape = Tape.record()) {
            Variable h = F.tanh(a).detach();
            assertFalse(h.requiresGrad());
        }
    }

    /** zeroGrad is lazy: the stale memory never shows, whether grad() is read first or backward writes first. */
    @Test
    void zeroGradIsSeenAsZerosWhicheverComesNext() {
        Variable a = param(1, -2, 3);
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(F.sum(F.scale(a, 3.0)));
        }
        a.zeroGrad();
        assertArrayEquals(new double[]{0, 0, 0}, a.grad().toDoubleArray(), "read straight after zeroGrad");
        for (int i = 0; i < 2; i++) {
            try (Scope s = e.scope(); Tape tape = Tape.record()) {
                tape.backward(F.sum(F.scale(a, 3.0)));
            }
        }
        a.zeroGrad();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            // a feeds two ops: the first contribution overwrites the stale gradient, the second adds
            Variable b = param(2, 2, 2);
            tape.backward(F.sum(F.add(F.matmul(F.reshape(a, 1, 3), F.reshape(b, 3, 1)), F.reshape(F.sum(a), 1, 1))));
        }
        assertArrayEquals(new double[]{3, 3, 3}, a.grad().toDoubleArray(), "b + 1 after a lazy zero");
    }

    /** A requiringGrad leaf gets its gradient from the first backward, in the step's scope, and keeps adding. */
    @Test
    void requiringGradLeavesReceiveGradientsThatOutliveTheBackwardPass() {
        try (Scope step = e.scope()) {
            Variable x = Variable.requiringGrad(e.fromDoubles(new double[]{1, 2, 3, 4, 5, 6}, 2, 3));
            Variable w = Variable.constant(e.fromDoubles(new double[]{1, 0, -1}, 3, 1));
            assertNull(x.grad(), "no gradient before the first backward");
            try (Tape tape = Tape.record()) {
                tape.backward(F.sum(F.matmul(x, w)));
            }
            assertArrayEquals(new double[]{1, 0, -1, 1, 0, -1}, x.grad().toDoubleArray());
            try (Tape tape = Tape.record()) {
                tape.backward(F.sum(F.matmul(x, w)));
            }
            assertArrayEquals(new double[]{2, 0, -2, 2, 0, -2}, x.grad().toDoubleArray(), "the second backward adds");
        }
    }

    /** Cross-entropy hands its saved gradient to a leaf that has none, and adds it into one that has. */
    @Test
    void crossEntropyGradientIsTheSameWhereverItLands() {
        double[] values = {0.5, -1, 2, 0, 1.5, -0.5, 3, 1, -2, 0.25, 0, 1};
        int[] targets = {2, 0, 3};
        double[] expected;
        Variable p = Variable.parameter("logits", e.fromDoubles(values, 3, 4));
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(F.scale(F.crossEntropy(p, e.fromInts(targets, 3)), 2.0));
        }
        expected = p.grad().toDoubleArray();
        double rowSum = 0;
        for (int j = 0; j < 4; j++) rowSum += expected[j];
        assertEquals(0, rowSum, 1e-12, "each row of a softmax gradient sums to zero");
        assertTrue(expected[2] < 0, "the target's gradient is negative");
        try (Scope s = e.scope()) {
            Variable leaf = Variable.requiringGrad(e.fromDoubles(values, 3, 4));
            try (Tape tape = Tape.record()) {
                tape.backward(F.scale(F.crossEntropy(leaf, e.fromInts(targets, 3)), 2.0));
            }
            assertArrayEquals(expected, leaf.grad().toDoubleArray(), 1e-15, "taken over by a fresh leaf");
            try (Tape tape = Tape.record()) {
                tape.backward(F.scale(F.crossEntropy(leaf, e.fromInts(targets, 3)), 2.0));
            }
            double[] twice = leaf.grad().toDoubleArray();
            for (int i = 0; i < twice.length; i++) assertEquals(2 * expected[i], twice[i], 1e-15, "added the second time");
        }
        p.zeroGrad();
        try (Scope s = e.scope(); Tape tape = Tape.record()) {
            tape.backward(F.scale(F.crossEntropy(p, e.fromInts(targets, 3)), 2.0));
        }
        assertArrayEquals(expected, p.grad().toDoubleArray(), 1e-15, "written over a lazily zeroed gradient");
    }

    /** A requiringGrad leaf that outlives the steps: each step's gradient goes with that step's scope. */
    @Test
    void requiringGradLeavesStartAFreshGradientInEachScope() {
        Variable x = Variable.requiringGrad(e.fromDoubles(new double[]{1, 2, 3, 4, 5, 6}, 2, 3));
        Variable w = Variable.constant(e.fromDoubles(new double[]{1, 0, -1}, 3, 1));
        for (int step = 0; step < 3; step++) {
            try (Scope s = e.scope(); Tape tape = Tape.record()) {
                tape.backward(F.sum(F.matmul(x, w)));
                assertArrayEquals(new double[]{1, 0, -1, 1, 0, -1}, x.grad().toDoubleArray(), "step " + step);
            }
            assertNull(x.grad(), "the gradient went with the step's scope");
        }
        try (Scope s = e.scope()) {
            Variable loss = Variable.requiringGrad(e.fromDoubles(new double[]{2.5}, 1));
            try (Tape tape = Tape.record()) {
                tape.backward(loss);
            }
            assertArrayEquals(new double[]{1}, loss.grad().toDoubleArray(), "a leaf loss keeps its seed");
        }
    }
}
