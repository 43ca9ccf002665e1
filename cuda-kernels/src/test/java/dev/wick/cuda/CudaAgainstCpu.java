package dev.wick.cuda;

import dev.wick.core.Wick;
import dev.wick.core.backend.Availability;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.conformance.ConformanceSuite;
import dev.wick.core.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A CUDA backend checked against the CPU backend, the reference: one of each per test class, and a
 * fresh seed, printed. Subclasses say which device through {@link #open}: the host kernel emulator
 * ({@link #emulated}) or CUDA device 0 ({@link #device0}), either skipping the test, saying why,
 * where it cannot be had.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CudaAgainstCpu {
    long seed;
    CudaBackend cuda;
    CpuBackend cpu;

    /** The backend under test, or a failed assumption saying why there is none here. */
    abstract CudaBackend open();

    /** Per test rather than per class, so that each test reports itself skipped where there is no device. */
    @BeforeEach
    void start() {
        if (cuda != null) return;
        cuda = open();
        cpu = new CpuBackend(1);
        seed = ConformanceSuite.freshSeed();
        System.out.println(getClass().getSimpleName() + " seed " + seed);
    }

    @AfterAll
    void stop() {
        if (cuda != null) cuda.close();
        if (cpu != null) cpu.close();
    }

    /** Skips the calling test of {@code test}, printing why, where the kernel emulator cannot be built. */
    static void assumeEmulator(Class<?> test) {
        String why = KernelEmulator.unavailableReason();
        if (why != null) System.out.println(test.getSimpleName() + " skipped: " + why);
        assumeTrue(why == null, why);
    }

    /** A backend on the host kernel emulator (no GPU needed; g++ is). */
    static CudaBackend emulated(Class<?> test) {
        assumeEmulator(test);
        return new CudaBackend(new EmulatedDevice(true), 0);
    }

    /** A backend on CUDA device 0, where there is one. */
    static CudaBackend device0(Class<?> test) {
        Availability a = Wick.cudaAvailability();
        if (!a.available()) System.out.println(test.getSimpleName() + " skipped: " + a.reason());
        assumeTrue(a.available(), () -> "CUDA not available: " + a.reason());
        return CudaBackend.open(0);
    }

    /** Uploads values, rounded to the buffer's dtype. */
    static void write(Backend b, double[] values, Buffer dst) {
        int n = values.length;
        switch (dst.dtype()) {
            case FLOAT64 -> b.upload(values, 0, dst, n);
            case FLOAT32 -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) values[i];
                b.upload(f, 0, dst, n);
            }
            case INT32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = (int) values[i];
                b.upload(v, 0, dst, n);
            }
        }
    }

    /** Downloads a buffer's values, widened to double (exactly). */
    static double[] read(Backend b, Buffer x) {
        int n = x.length();
        double[] out = new double[n];
        switch (x.dtype()) {
            case FLOAT64 -> b.download(x, out, 0, n);
            case FLOAT32 -> {
                float[] f = new float[n];
                b.download(x, f, 0, n);
                for (int i = 0; i < n; i++) out[i] = f[i];
            }
            case INT32 -> {
                int[] v = new int[n];
                b.download(x, v, 0, n);
                for (int i = 0; i < n; i++) out[i] = v[i];
            }
        }
        return out;
    }
}
