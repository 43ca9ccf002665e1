package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;
import dev.wick.core.conformance.ConformanceReport;
import dev.wick.core.conformance.ConformanceSizes;
import dev.wick.core.conformance.ConformanceSuite;

import java.io.PrintStream;
import java.util.List;

/**
 * Runs the conformance suite on CUDA device 0 against the CPU backend, in float32 and float64, plus
 * the CUDA-specific checks, and prints the tables. Exit code 0: everything passed; 1: something
 * failed; 2: bad usage; 3: no usable CUDA device (the reason is printed).
 *
 * <pre>java -jar wick-cuda-selfcheck.jar [--seed N] [--dtype float32|float64|both] [--small]</pre>
 * With {@code -Dwick.gemm=ptx} GEMM runs on Wick's PTX kernel instead of cuBLAS.
 */
public final class SelfCheck {
    private SelfCheck() {
    }

    /**
     * Runs the checks and exits with their code (above).
     *
     * @param args {@code [--seed N] [--dtype float32|float64|both] [--small]}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        long seed = ConformanceSuite.freshSeed();
        List<DType> dtypes = List.of(DType.FLOAT32, DType.FLOAT64);
        ConformanceSizes sizes = ConformanceSizes.standard();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--dtype" -> dtypes = switch (args[++i]) {
                        case "float32" -> List.of(DType.FLOAT32);
                        case "float64" -> List.of(DType.FLOAT64);
                        case "both" -> List.of(DType.FLOAT32, DType.FLOAT64);
                        default -> throw new IllegalArgumentException("--dtype takes float32, float64 or both");
                    };
                    case "--small" -> sizes = ConformanceSizes.small();
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (RuntimeException e) { // bad number, missing value, unknown flag
            System.err.println("selfcheck: " + e.getMessage()
                    + "; usage: [--seed N] [--dtype float32|float64|both] [--small]");
            return 2;
        }
        Availability a = Wick.cudaAvailability();
        out.println("CUDA: " + (a.available() ? "available: " : "NOT available: ") + a.reason());
        if (!a.available()) return 3;
        boolean ok = true;
        // The reference through Wick.cpu(): the CPU backend's class is internal to wick-core.
        try (CudaBackend cuda = CudaBackend.open(0); Engine cpu = Wick.cpu()) {
            out.println("device: " + cuda.description());
            out.println("java:   " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
            for (DType dtype : dtypes) {
                out.println();
                ConformanceReport report = ConformanceSuite.run(cuda, dtype, cpu.backend(), dtype, sizes, seed);
                out.print(report.table());
                ok &= report.passed();
            }
            out.println();
            out.println("CUDA backend checks");
            List<CudaChecks.Result> extra = CudaChecks.run(cuda, () -> CudaBackend.open(0));
            out.print(CudaChecks.table(extra));
            ok &= extra.stream().allMatch(CudaChecks.Result::passed);
        } catch (RuntimeException | Error e) {
            out.println("selfcheck aborted: " + e);
            e.printStackTrace(out);
            ok = false;
        }
        out.println();
        out.println("SELFCHECK " + (ok ? "PASS" : "FAIL") + " (seed " + seed + ")");
        return ok ? 0 : 1;
    }
}
