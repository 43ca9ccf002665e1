package dev.wick.core.cpu;

import dev.wick.core.TestData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Once C2 has compiled them, the SIMD transcendental kernels, the recurrent cells that call them,
 * the column sums and the GEMM kernel allocate nothing: every Vector API call in them became vector instructions. A call that C2 left
 * uninlined (its node budget spent, see {@link SimdFloatMath}'s class comment) runs the API's Java
 * fallback, which boxes a vector on every pass: correct results, several times slower. This is the
 * one symptom that shows it from outside.
 *
 * <p>Each kernel runs in rounds until one round allocates nothing on this thread (C2 compiles in the
 * background, so the first rounds run interpreted or in C1, which always box); one that still
 * allocates after the time limit fails.
 */
class SimdKernelsCompiledTest {
    /** Far longer than C2 needs, even on a loaded machine: a failure is not slowness. */
    private static final long LIMIT_NANOS = 60_000_000_000L;
    private static final int CALLS_PER_ROUND = 2_000;

    @Test
    void vectorKernelsAllocateNothingOnceCompiled() {
        FloatArrayMath math = FloatArrayMath.best();
        Assumptions.assumeTrue(math instanceof SimdFloatMath, "the Vector API is not available: " + math.description());
        com.sun.management.ThreadMXBean threads = allocationCounter();
        TestData data = TestData.fresh();
        // Sizes of no special shape: 3 rows, a hidden size that ends in a partial vector.
        int hidden = 203, rows = 3, n = 4 * hidden * rows;
        float[] x = values(data, n), y = new float[n], gates = values(data, n), cPrev = values(data, hidden * rows);
        float[] c = new float[hidden * rows], h = new float[hidden * rows], dh = values(data, hidden * rows);
        float[] dc = values(data, hidden * rows), dGates = new float[n];
        float[] gi = values(data, 3 * hidden * rows), gh = values(data, 3 * hidden * rows);

        Map<String, Runnable> kernels = new LinkedHashMap<>();
        kernels.put("tanh", () -> math.tanh(x, 1, y, 2, n - 3));
        kernels.put("sigmoid", () -> math.sigmoid(x, 1, y, 2, n - 3));
        kernels.put("LSTM cell forward", () -> {
            System.arraycopy(x, 0, gates, 0, n);
            RecurrentKernels.lstmForward(math, gates, 0, cPrev, 0, c, 0, h, 0, hidden, 0, rows);
        });
        kernels.put("LSTM cell backward", () -> RecurrentKernels.lstmBackward(math, gates, 0, cPrev, 0, c, 0, dh, 0, dc, 0,
                dGates, 0, hidden, 0, rows));
        double[] sums = new double[4 * hidden];
        kernels.put("column sums", () -> math.addRows(x, 1, 4 * hidden, rows, 4 * hidden - 1, sums));
        kernels.put("GRU cell forward", () -> RecurrentKernels.gruForward(math, gi, 0, gh, 0, cPrev, 0, h, 0, hidden, 0, rows));
        // The GEMM kernel, storing and adding, through every column kernel: blocks of three and
        // two vectors, whole single vectors, then a partial vector (B has room past the last
        // column, C does not). Two widths in one round, as a model's products mix them.
        int depth = 37, wide = 2 * 48 + 32 + 7, narrow = 48 + 16 + 1;
        float[] a = values(data, GemmPlan.ROW_GROUP * depth), b = values(data, depth * wide + 16);
        float[] out = new float[GemmPlan.ROW_GROUP * wide];
        int[] widths = {wide, narrow};
        for (int groupRows : new int[]{GemmPlan.ROW_GROUP, 3}) {
            kernels.put("GEMM block of " + groupRows + " rows", () -> {
                for (int width : widths) {
                    math.multiplyBlock(a, 0, GemmPlan.ROW_GROUP, groupRows, depth, b, 0, width, width, out, 0, width, false);
                    math.multiplyBlock(a, 0, GemmPlan.ROW_GROUP, groupRows, depth, b, 0, width, width, out, 0, width, true);
                }
            });
        }

        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, Runnable> kernel : kernels.entrySet()) {
            long perRound = roundsUntilNoAllocation(threads, kernel.getValue());
            if (perRound > 0) {
                failures.append("\n  ").append(kernel.getKey()).append(": still ").append(perRound)
                        .append(" bytes per round of ").append(CALLS_PER_ROUND).append(" calls");
            }
        }
        if (failures.length() > 0) {
            fail(data.context("compiled kernels that allocate (Vector API calls left to their boxing fallbacks):"
                    + failures));
        }
    }

    /** 0 once a round allocated nothing, else what the last round allocated when the time ran out. */
    private static long roundsUntilNoAllocation(com.sun.management.ThreadMXBean threads, Runnable kernel) {
        long id = Thread.currentThread().getId(), start = System.nanoTime(), last;
        do {
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < CALLS_PER_ROUND; i++) kernel.run();
            last = threads.getThreadAllocatedBytes(id) - before;
        } while (last > 0 && System.nanoTime() - start < LIMIT_NANOS);
        return last;
    }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM does not count allocations per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM does not count allocations per thread");
        return threads;
    }

    private static float[] values(TestData data, int n) {
        double[] v = data.uniform(n, 4);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) v[i];
        return f;
    }
}
