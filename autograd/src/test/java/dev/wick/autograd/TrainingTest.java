package dev.wick.autograd;

import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingTest {
    /** A fixed sequence: the model must learn "each symbol is followed by the next, cyclically". */
    /** The engine these tests run on; EveryEngineTest runs them again on the others. */
    TestEngines.Kind engine() {
        return TestEngines.cpu();
    }

    private double[] train(long seed, int steps) {
        int vocab = 9, seq = 12, batch = 4;
        int[] in = new int[seq * batch];
        int[] target = new int[seq * batch];
        for (int t = 0; t < seq; t++) {
            for (int b = 0; b < batch; b++) {
                int symbol = (3 * b + t) % vocab;
                in[t * batch + b] = symbol;
                target[t * batch + b] = (symbol + 1) % vocab;
            }
        }
        double[] losses = new double[steps];
        try (Engine e = engine().open(); TinyModel model = new TinyModel(e, DType.FLOAT32, vocab, 8, 16, seed);
             Adam adam = new Adam(model.parameters(), 0.02)) {
            Tensor inputs = e.fromInts(in, seq, batch);
            Tensor targets = e.fromInts(target, seq * batch);
            for (int step = 0; step < steps; step++) {
                try (Scope s = e.scope(); Tape tape = Tape.record()) {
                    adam.zeroGrad();
                    Variable loss = model.loss(inputs, targets);
                    losses[step] = loss.value().item();
                    tape.backward(loss);
                    GradClip.clipGlobalNorm(model.parameters(), 5.0);
                    adam.step();
                }
            }
        }
        return losses;
    }

    @Test
    void lossGoesDownUnderAdam() {
        // Sixty steps take minutes on the emulator; there TrainingAgainstTheCpu checks the same
        // steps' numbers against the CPU, where this test runs in full (and on a real GPU).
        org.junit.jupiter.api.Assumptions.assumeFalse(engine().isEmulated(), "sixty steps: checked on the CPU");
        long seed = TestSeeds.fresh("loss goes down");
        double[] losses = train(seed, 60);
        double uniform = Math.log(9);
        assertEquals(uniform, losses[0], 0.6, "seed " + seed + ": the first loss should be near ln(V)");
        assertTrue(losses[59] < 0.25 * losses[0], "seed " + seed + ": loss went from " + losses[0] + " to " + losses[59]);
    }

    @Test
    void sameSeedGivesTheSameNumbers() {
        long seed = TestSeeds.fresh("same seed");
        int steps = engine().isCuda() ? 5 : 15; // an emulated step is slow; five show any divergence
        assertArrayEquals(train(seed, steps), train(seed, steps), 0.0, "seed " + seed);
    }
}
