package dev.wick.autograd;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;
import dev.wick.core.Wick;
import dev.wick.core.backend.ScatterMode;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The embedding backward (a scatter-add) against the same lookup written as one-hot(indices) x W. */
class EmbeddingBackwardTest {

    @Test
    void scatterAddEqualsOneHotMatmulBackwardWithManyRepeats() {
        long seed = TestSeeds.fresh("embedding vs one-hot");
        SplittableRandom r = new SplittableRandom(seed);
        int vocab = 13, dim = 6, n = 97;
        for (int distinct : new int[]{1, 3, 13}) {
            int[] idx = TestSeeds.indices(r, n, vocab, distinct);
            try (Engine e = Wick.cpu(); var scope = e.scope()) {
                Tensor w0 = e.uniform(DType.FLOAT64, r.nextLong(), -1, 1, vocab, dim);
                Tensor upstream = e.uniform(DType.FLOAT64, r.nextLong(), -1, 1, n, dim);
                Variable wGather = Variable.parameter("w", w0.copy());
                Variable wOneHot = Variable.parameter("w", w0.copy());
                Tensor indices = e.fromInts(idx, n);
                double[] oneHot = new double[n * vocab];
                for (int i = 0; i < n; i++) oneHot[i * vocab + idx[i]] = 1.0;
                Variable oneHotMatrix = Variable.constant(e.fromDoubles(oneHot, n, vocab));
                Variable up = Variable.constant(upstream);

                Variable outGather;
                try (Tape tape = Tape.record()) {
                    outGather = F.embedding(wGather, indices);
                    tape.backward(F.sum(F.mul(outGather, up)));
                }
                Variable outOneHot;
                try (Tape tape = Tape.record()) {
                    outOneHot = F.matmul(oneHotMatrix, wOneHot);
                    tape.backward(F.sum(F.mul(outOneHot, up)));
                }
                String msg = "seed " + seed + ", distinct " + distinct;
                assertArrayEquals(outOneHot.value().toDoubleArray(), outGather.value().toDoubleArray(), 0.0, msg);
                assertArrayEquals(wOneHot.grad().toDoubleArray(), wGather.grad().toDoubleArray(), 1e-12, msg);

                // A row looked up k times receives the sum of its k upstream rows.
                double[] g = wGather.grad().toDoubleArray();
                double[] u = upstream.toDoubleArray();
                for (int row = 0; row < vocab; row++) {
                    for (int j = 0; j < dim; j++) {
                        double expected = 0;
                        for (int i = 0; i < n; i++) if (idx[i] == row) expected += u[i * dim + j];
                        assertEquals(expected, g[row * dim + j], 1e-12, msg + " row " + row);
                    }
                }
            }
        }
    }

    @Test
    void cpuScatterIsDeterministicInBothModes() {
        long seed = TestSeeds.fresh("deterministic scatter");
        SplittableRandom r = new SplittableRandom(seed);
        int vocab = 50, dim = 33, n = 1001;
        int[] idx = TestSeeds.indices(r, n, vocab, 5);
        float[] first = null;
        for (ScatterMode mode : ScatterMode.values()) {
            for (int threads : new int[]{1, 2}) {
                try (Engine e = Wick.cpu(threads); var scope = e.scope()) {
                    Tensor table = e.zeros(DType.FLOAT32, vocab, dim);
                    Tensor src = e.uniform(DType.FLOAT32, seed, -1, 1, n, dim);
                    table.scatterAdd(e.fromInts(idx, n), src, -1, mode);
                    float[] got = table.toFloatArray();
                    if (first == null) first = got;
                    else assertArrayEquals(first, got, 0f, "seed " + seed + " mode " + mode + " threads " + threads);
                }
            }
        }
    }
}
