package dev.wick.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What Engine's javadoc promises for the CPU: several threads may compute on one engine at once,
 * each on its own tensors in its own scopes, and get exactly what each gets alone.
 */
class EngineThreadsTest {

    /** A little of everything with scratch: GEMM, tanh, a gather, softmax cross-entropy. */
    private static double[] work(Engine e, long seed) {
        try (Scope s = e.scope()) {
            int rows = 37, inner = 61, cols = 29;
            Tensor a = e.uniform(DType.FLOAT32, seed, -1, 1, rows, inner);
            Tensor b = e.uniform(DType.FLOAT32, seed + 1, -1, 1, inner, cols);
            Tensor logits = a.matmul(b).tanh();
            int[] idx = new int[rows];
            for (int i = 0; i < rows; i++) idx[i] = (int) ((seed + 7L * i) % rows);
            Tensor picked = logits.gather(e.fromInts(idx, rows));
            int[] targets = new int[rows];
            for (int i = 0; i < rows; i++) targets[i] = (int) ((seed + 3L * i) % cols);
            Tensor.LossAndGradient ce = picked.softmaxCrossEntropy(e.fromInts(targets, rows), -1);
            double[] g = ce.dLogits().toDoubleArray();
            double[] out = new double[g.length + 1];
            System.arraycopy(g, 0, out, 0, g.length);
            out[g.length] = ce.loss().toDoubleArray()[0];
            return out;
        }
    }

    @Test
    void threadsComputingOnOneCpuEngineGetWhatEachGetsAlone() throws Exception {
        int threads = 4, rounds = 25;
        long seed = Long.getLong("wick.test.seed", System.nanoTime());
        System.out.println("EngineThreadsTest seed " + seed);
        try (Engine e = Wick.cpu(2)) {
            List<double[]> alone = new ArrayList<>();
            for (int t = 0; t < threads; t++) alone.add(work(e, seed + 100L * t));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int r = 0; r < rounds; r++) {
                            assertArrayEquals(alone.get(id), work(e, seed + 100L * id), 0.0, "seed " + seed + " thread " + id);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) f.get(2, TimeUnit.MINUTES);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(0, e.memoryStats().bytesInUse(), "every thread's scope gave its memory back");
        }
    }
}
