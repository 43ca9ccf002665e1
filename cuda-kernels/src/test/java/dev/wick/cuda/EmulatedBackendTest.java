package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.conformance.ConformanceReport;
import dev.wick.core.conformance.ConformanceSizes;
import dev.wick.core.conformance.ConformanceSuite;
import dev.wick.core.cpu.CpuBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA backend's code, launches and kernels, run on the host kernel emulator (no GPU needed,
 * g++ is): the conformance suite against the CPU backend, and the CUDA-specific checks.
 */
class EmulatedBackendTest {

    @BeforeEach
    void needsTheEmulator() {
        String why = KernelEmulator.unavailableReason();
        if (why != null) System.out.println("EmulatedBackendTest skipped: " + why);
        assumeTrue(why == null, why);
    }

    static CudaBackend emulatedBackend() {
        return new CudaBackend(new EmulatedDevice(true), 0);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void conformanceAgainstTheCpu(DType dtype) {
        long seed = ConformanceSuite.freshSeed();
        try (CudaBackend cuda = emulatedBackend(); CpuBackend cpu = new CpuBackend()) {
            ConformanceReport report = ConformanceSuite.run(cuda, dtype, cpu, dtype, ConformanceSizes.small(), seed);
            System.out.println(report.table());
            assertTrue(report.passed(), () -> "seed " + seed + "\n" + report.table());
        }
    }

    /** The sorted, segmented sum adds each row's terms in the CPU's order, so even float32 matches exactly. */
    @Test
    void deterministicScatterMatchesTheCpuBitForBitAcrossSortTiles() {
        long seed = ConformanceSuite.freshSeed();
        Random r = new Random(seed);
        int v = 300, d = 5, count = 9000; // 16384 sort keys: 8 tiles, three merge stages
        float[] table = new float[v * d], src = new float[count * d];
        for (int i = 0; i < table.length; i++) table[i] = (float) r.nextGaussian();
        for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian();
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = r.nextInt(4) == 0 ? r.nextInt(v) : r.nextInt(7);
        int skip = idx[1];
        float[] expected = scatter(new CpuBackend(1), table, idx, src, d, skip);
        float[] actual = scatter(emulatedBackend(), table, idx, src, d, skip);
        assertArrayEquals(expected, actual, "seed " + seed);
    }

    /**
     * The coalesce of a row-sparse gradient also adds each row's terms in the CPU's order: rows,
     * count and float32 values match bit for bit, over several sort tiles and more slots than the
     * scan's block has threads.
     */
    @Test
    void coalesceMatchesTheCpuBitForBitAcrossSortTiles() {
        long seed = ConformanceSuite.freshSeed();
        Random r = new Random(seed);
        int v = 300, d = 3, count = 5001;
        float[] src = new float[count * d];
        for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian();
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = r.nextInt(4) == 0 ? r.nextInt(v) : r.nextInt(7);
        int skip = idx[2];
        Object[] expected = coalesce(new CpuBackend(1), idx, src, d, skip);
        Object[] actual = coalesce(emulatedBackend(), idx, src, d, skip);
        assertArrayEquals((int[]) expected[0], (int[]) actual[0], "rows and count, seed " + seed);
        assertArrayEquals((float[]) expected[1], (float[]) actual[1], "values, seed " + seed);
    }

    private static Object[] coalesce(Backend b, int[] idx, float[] src, int d, int skip) {
        try (b) {
            int n = idx.length;
            Buffer i = b.allocate(DType.INT32, n), s = b.allocate(DType.FLOAT32, src.length);
            Buffer rows = b.allocate(DType.INT32, n), values = b.allocate(DType.FLOAT32, src.length);
            Buffer nnz = b.allocate(DType.INT32, 1);
            b.upload(idx, 0, i, n);
            b.upload(src, 0, s, src.length);
            b.coalesceRows(i, s, n, d, skip, rows, values, nnz);
            int[] rowsAndCount = new int[n + 1];
            b.download(rows, rowsAndCount, 0, n);
            b.download(nnz, rowsAndCount, n, 1);
            float[] out = new float[src.length];
            b.download(values, out, 0, out.length);
            return new Object[]{rowsAndCount, out};
        }
    }

    private static float[] scatter(Backend b, float[] table, int[] idx, float[] src, int d, int skip) {
        try (b) {
            Buffer t = b.allocate(DType.FLOAT32, table.length), i = b.allocate(DType.INT32, idx.length);
            Buffer s = b.allocate(DType.FLOAT32, src.length);
            b.upload(table, 0, t, table.length);
            b.upload(idx, 0, i, idx.length);
            b.upload(src, 0, s, src.length);
            b.scatterAdd(t, i, s, idx.length, d, skip, ScatterMode.DETERMINISTIC);
            float[] out = new float[table.length];
            b.download(t, out, 0, out.length);
            return out;
        }
    }

    @Test
    void backendChecks() {
        try (CudaBackend cuda = emulatedBackend()) {
            List<CudaChecks.Result> results = CudaChecks.run(cuda, EmulatedBackendTest::emulatedBackend);
            System.out.println(CudaChecks.table(results));
            assertTrue(results.stream().allMatch(CudaChecks.Result::passed), () -> CudaChecks.table(results));
        }
    }
}
