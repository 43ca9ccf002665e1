package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;
import dev.wick.core.conformance.ConformanceReport;
import dev.wick.core.conformance.ConformanceSizes;
import dev.wick.core.conformance.ConformanceSuite;
import dev.wick.core.cpu.CpuBackend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** On a machine with a GPU: the conformance suite, CUDA against the CPU (skipped elsewhere, saying why). */
class CudaConformanceTest {

    @BeforeEach
    void needsCuda() {
        Availability a = Wick.cudaAvailability();
        if (!a.available()) System.out.println("CudaConformanceTest skipped: " + a.reason());
        assumeTrue(a.available(), () -> "CUDA not available: " + a.reason());
    }

    private static void conforms(CudaBackend cuda, DType dtype) {
        long seed = ConformanceSuite.freshSeed();
        try (CpuBackend cpu = new CpuBackend()) {
            ConformanceReport report = ConformanceSuite.run(cuda, dtype, cpu, dtype, ConformanceSizes.standard(), seed);
            System.out.println(report.table());
            assertTrue(report.passed(), () -> "seed " + seed + "\n" + report.table());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void cudaAgreesWithTheCpu(DType dtype) {
        try (CudaBackend cuda = CudaBackend.open(0)) {
            conforms(cuda, dtype);
        }
    }

    @Test
    void thePtxGemmAgreesWithTheCpuToo() {
        try (CudaBackend cuda = new CudaBackend(JCudaDevice.open(0, false), 0)) {
            conforms(cuda, DType.FLOAT32);
        }
    }

    @Test
    void backendChecks() {
        try (CudaBackend cuda = CudaBackend.open(0)) {
            List<CudaChecks.Result> results = CudaChecks.run(cuda, () -> CudaBackend.open(0));
            System.out.println(CudaChecks.table(results));
            assertTrue(results.stream().allMatch(CudaChecks.Result::passed), () -> CudaChecks.table(results));
        }
    }
}
