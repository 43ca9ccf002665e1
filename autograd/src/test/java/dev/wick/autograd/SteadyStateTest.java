package dev.wick.autograd;

import dev.wick.autograd.nn.CharRnn;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import dev.wick.core.backend.MemoryStats;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A char-RNN training step, once warm, allocates no new backend memory (every buffer comes from
 * the allocator's cache) and leaves nothing behind but parameters, gradients and optimizer state.
 */
class SteadyStateTest {
    @Test
    void aWarmCharRnnStepAllocatesNothingNew() {
        long seed = TestSeeds.fresh("steady state");
        SplittableRandom r = new SplittableRandom(seed);
        int vocab = 29, seq = 11, batch = 3;
        int[] in = TestSeeds.indices(r, seq * batch, vocab, 9);
        int[] target = TestSeeds.indices(r, seq * batch, vocab, 9);
        try (Engine e = Wick.cpu(); CharRnn model = new CharRnn(e, DType.FLOAT32, vocab, 10, 23, seed);
             Adam adam = new Adam(model.parameters(), 1e-2)) {
            Tensor hidden = e.zeros(DType.FLOAT32, batch, 23);
            MemoryStats warm = null;
            for (int step = 0; step < 8; step++) {
                try (Scope s = e.scope(); Tape tape = Tape.record()) {
                    adam.zeroGrad();
                    CharRnn.Output out = model.forward(e.fromInts(in, seq, batch), Variable.constant(hidden));
                    tape.backward(F.crossEntropy(out.logits(), e.fromInts(target, seq * batch)));
                    GradClip.clipGlobalNorm(model.parameters(), 1.0);
                    adam.step();
                }
                if (step == 2) warm = e.memoryStats();
            }
            MemoryStats now = e.memoryStats();
            assertEquals(warm.driverAllocations(), now.driverAllocations(), "seed " + seed + ": steps 3 to 7 allocated");
            assertEquals(warm.bytesInUse(), now.bytesInUse(), "seed " + seed + ": steps 3 to 7 left tensors behind");
        }
    }
}
