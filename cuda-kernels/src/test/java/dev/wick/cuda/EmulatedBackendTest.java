package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.conformance.ConformanceReport;
import dev.wick.core.conformance.ConformanceSizes;
import dev.wick.core.conformance.ConformanceSuite;
import dev.wick.core.cpu.CpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA backend's code, launches and kernels, run on the host kernel emulator (no GPU needed,
 * g++ is): the conformance suite against the CPU backend, and the CUDA-specific checks.
 */
class EmulatedBackendTest {

    @BeforeAll
    static void needsTheEmulator() {
        String why = KernelEmulator.unavailableReason();
        if (why != null) System.out.println("EmulatedBackendTest skipped: " + why);
        assumeTrue(why == null, why);
    }

    static CudaBackend emulatedBackend() {
        return new CudaBackend(new EmulatedDevice(KernelEmulator.shared()), 0);
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

    @Test
    void backendChecks() {
        try (CudaBackend cuda = emulatedBackend()) {
            List<CudaChecks.Result> results = CudaChecks.run(cuda, EmulatedBackendTest::emulatedBackend);
            System.out.println(CudaChecks.table(results));
            assertTrue(results.stream().allMatch(CudaChecks.Result::passed), () -> CudaChecks.table(results));
        }
    }
}
