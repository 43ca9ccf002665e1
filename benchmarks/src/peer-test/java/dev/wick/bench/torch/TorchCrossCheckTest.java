package dev.wick.bench.torch;

import dev.wick.bench.Backends;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.EmbeddingProblem;
import dev.wick.bench.HostData;
import dev.wick.bench.Workload;
import dev.wick.bench.Workloads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peer computes the same thing as Wick in every benchmark (peer build only): same inputs, same
 * results, so the timings compare like with like. Odd sizes, duplicate-heavy indices, fresh seeds.
 */
class TorchCrossCheckTest {
    /** Float32 gradients through seven timesteps, relative to each gradient's largest element. */
    private static final double GRADIENT_TOLERANCE = 1e-5;
    private static Workloads wick;
    private static Workloads torch;
    private static Workloads torchFused;
    private final long seed = System.nanoTime();

    @BeforeAll
    static void open() {
        wick = Backends.open(Backends.WICK_CPU);
        torch = Backends.open(Backends.PYTORCH_CPU);
        torchFused = Backends.open(Backends.PYTORCH_CPU_FUSED);
    }

    @AfterAll
    static void close() {
        wick.close();
        torch.close();
        torchFused.close();
    }

    private void assertSame(Function<Workloads, Workload> make, Workloads peer, double tolerance) {
        try (Workload a = make.apply(wick); Workload b = make.apply(peer)) {
            a.run();
            b.run();
            float[] x = a.result(), y = b.result();
            assertEquals(x.length, y.length, "seed " + seed);
            double err = 0, scale = 1;
            for (int i = 0; i < x.length; i++) {
                err = Math.max(err, Math.abs(x[i] - y[i]));
                scale = Math.max(scale, Math.abs(x[i]));
            }
            assertTrue(err / scale <= tolerance, "seed " + seed + ": Wick and " + peer.description()
                    + " differ by " + err / scale + " (relative)");
        }
    }

    @Test
    void gemm() {
        int m = 33, k = 130, n = 65;
        float[] a = HostData.uniform(seed, m * k, -1, 1), b = HostData.uniform(seed + 1, k * n, -1, 1);
        assertSame(w -> w.gemm(false, false, m, k, n, a, b), torch, 1e-5);
        // The same arrays read as stored transposed: A as [k, m], B as [n, k].
        assertSame(w -> w.gemm(true, false, m, k, n, a, b), torch, 1e-5);
        assertSame(w -> w.gemm(false, true, m, k, n, a, b), torch, 1e-5);
    }

    @Test
    void embeddingForwardAndBackward() {
        EmbeddingProblem p = EmbeddingProblem.parse("1001x37/513/11", seed);
        assertSame(w -> w.embedding(p, false), torch, 0);
        assertSame(w -> w.embedding(p, true), torch, 1e-5);
    }

    @Test
    void softmaxCrossEntropy() {
        int rows = 77, cols = 1003;
        float[] logits = HostData.uniform(seed, rows * cols, -4, 4);
        int[] targets = HostData.indices(seed + 1, rows, cols, cols);
        assertSame(w -> w.softmaxCrossEntropy(rows, cols, logits, targets), torch, 1e-6);
    }

    @Test
    void tanhCharRnnStepsFollowTheSameLossesAndGradients() {
        CharRnnProblem p = CharRnnProblem.of(13, 10, 21, 4, 7, 1e-2, 5.0, seed);
        assertSameSteps(p, torch);
        assertSameSteps(p, torchFused);
    }

    @ParameterizedTest
    @EnumSource(value = CharRnnProblem.Cell.class, names = {"LSTM", "GRU"})
    void gatedCharRnnStepsFollowTheSameLossesAndGradients(CharRnnProblem.Cell cell) {
        assertSameSteps(CharRnnProblem.of(cell, 13, 10, 21, 4, 7, 1e-2, 5.0, seed), torchFused);
    }

    /**
     * Five training steps from the same model on the same batch: the first loss and the first
     * step's clipped gradients (each within GRADIENT_TOLERANCE of its largest element) agree, and so
     * do the losses after Adam's updates.
     */
    private void assertSameSteps(CharRnnProblem p, Workloads peer) {
        String what = "seed " + seed + ", " + p.cell() + ", " + peer.description();
        try (Workload a = wick.charRnnStep(p); Workload b = peer.charRnnStep(p)) {
            for (int step = 0; step < 5; step++) {
                float[] x = a.result(), y = b.result();
                // The first loss is the same model on the same data; later ones differ only by
                // rounding and DJL's Adam, which applies eps before the bias correction.
                assertEquals(x[0], y[0], (step == 0 ? 1e-5 : 1e-3) * Math.max(1, x[0]), what + ", step " + step);
                if (step > 0) continue;
                List<float[]> gx = p.gradients(x), gy = p.gradients(y);
                for (int i = 0; i < gx.size(); i++) {
                    double err = 0, scale = 0;
                    for (int j = 0; j < gx.get(i).length; j++) {
                        err = Math.max(err, Math.abs(gx.get(i)[j] - gy.get(i)[j]));
                        scale = Math.max(scale, Math.abs(gx.get(i)[j]));
                    }
                    assertTrue(scale > 0 && err <= GRADIENT_TOLERANCE * scale,
                            what + ": gradient " + i + " differs by " + err + " (largest element " + scale + ")");
                }
            }
        }
    }
}
