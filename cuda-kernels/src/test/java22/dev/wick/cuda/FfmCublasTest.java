package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.backend.Buffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The FFM cuBLAS binding (the jar's Java 22 layer), on a JVM of Java 22 or newer, against the
 * packaged multi-release jar: that it is what loads; that it fails with a clear reason where
 * libcublas.so.13 is absent (here: no CUDA at all) or native access is not granted; and, against
 * a fake libcublas in C (src/test/native/fake_cublas.c, cuBLAS's names and signatures on host
 * memory), that its downcalls pass every argument as cuBLAS declares it: the CUDA backend's GEMM
 * through it matches the definition for every transpose, both dtypes, odd sizes and views at
 * offsets, the handle is set up on the device's stream and workspace, and statuses become
 * exceptions naming the cublasStatus_t and the call.
 */
class FfmCublasTest {
    private static FakeCublas fake;

    @BeforeAll
    static void buildTheFake() {
        String why = FakeCublas.unavailableReason();
        if (why != null) System.out.println("FfmCublasTest: the fake cuBLAS cannot be built: " + why);
        fake = why == null ? FakeCublas.full() : null;
    }

    @BeforeEach
    void clearFailures() {
        if (fake != null) fake.failNext("", 0);
    }

    private static FakeCublas fake() {
        assumeTrue(fake != null, "no fake cuBLAS: " + FakeCublas.unavailableReason());
        return fake;
    }

    /** A device over host memory whose GEMM is the FFM binding of {@code library}, chosen as on a GPU. */
    private static HostMemoryDevice deviceWith(String library) {
        return new HostMemoryDevice(target -> BlasChoice.first(List.of(
                new BlasChoice.Candidate(JCudaDevice.FFM_CUBLAS, () -> FfmCublas.open(library, target)))));
    }

    /** A device to open the binding on by hand (its own choice is none). */
    private static HostMemoryDevice deviceWithoutBlas() {
        return new HostMemoryDevice(target -> BlasChoice.none("opened by the test"));
    }

    @Test
    void theJava22LayerIsWhatLoads() {
        assertTrue(Runtime.version().feature() >= 22, "this test runs on Java 22 or newer");
        String where = String.valueOf(FfmCublas.class.getResource("FfmCublas.class"));
        assertTrue(where.contains("META-INF/versions/22/"), "FfmCublas loaded from " + where);
        try (HostMemoryDevice target = deviceWithoutBlas()) {
            BlasUnavailable e = assertThrows(BlasUnavailable.class,
                    () -> FfmCublas.open("libwick-no-such-cublas.so.13", target));
            assertTrue(e.getMessage().startsWith("libwick-no-such-cublas.so.13 cannot be opened ("), e.getMessage());
        }
    }

    @Test
    void withoutLibcublas13TheLineSaysWhyForEachBinding() {
        String library = CublasLibrary.name();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(library, arena);
            assumeTrue(false, library + " is installed here; its absence is what this test checks");
        } catch (IllegalArgumentException expected) {
            // absent, as on CI
        }
        // the real order with the real bindings: FFM first, then JCublas2 (which needs libcublas.so.12)
        HostMemoryDevice device = new HostMemoryDevice(target -> BlasChoice.first(List.of(
                new BlasChoice.Candidate(JCudaDevice.FFM_CUBLAS, () -> FfmCublas.open(library, target)),
                new BlasChoice.Candidate(JCudaDevice.JCUBLAS, () -> CublasGemm.create(new RawHandles.Stream(), () -> {
                    throw new AssertionError("the workspace was asked for before cuBLAS 12 had loaded");
                })))));
        try (CudaBackend backend = new CudaBackend(device, 0)) {
            assertNull(device.blas());
            String d = backend.description();
            assertTrue(d.contains("GEMM: Wick PTX SGEMM (cuBLAS 13 via FFM: " + library + " cannot be opened (put its folder"
                    + " on the library path, LD_LIBRARY_PATH, or name the file with -Dwick.cublas.library=...);"
                    + " cuBLAS 12 via JCublas2: UnsatisfiedLinkError"), d);
            assertFalse(backend.usesCublas());
        }
    }

    @Test
    void withoutNativeAccessTheBindingStaysOff() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                FfmCublasWithoutNativeAccess.class.getName(), "libcublas.so.13").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child JVM did not finish: " + out);
        assertTrue(out.contains("UNAVAILABLE: needs --enable-native-access=ALL-UNNAMED on the java command line"), out);
        // refused before any restricted call, so the JVM had nothing to warn about
        assertFalse(out.contains("restricted method"), out);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void gemmMatchesTheDefinitionForEveryTransposeAndOffset(DType dtype) {
        FakeCublas fake = fake();
        long seed = System.nanoTime();
        System.out.println("FfmCublasTest " + dtype + " seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        try (CudaBackend backend = new CudaBackend(deviceWith(fake.library.toString()), 0)) {
            assertTrue(backend.usesCublas());
            long callsBefore = fake.state("gemm_calls");
            int trials = 0;
            for (boolean transA : new boolean[]{false, true}) {
                for (boolean transB : new boolean[]{false, true}) {
                    for (int trial = 0; trial < 6; trial++, trials++) {
                        int m = 1 + r.nextInt(23), n = 1 + r.nextInt(23), k = 1 + r.nextInt(23);
                        double alpha = r.nextDouble(-2, 2), beta = trial % 3 == 0 ? 0 : r.nextDouble(-2, 2);
                        String what = dtype + " " + (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n + "x"
                                + k + ", alpha " + alpha + ", beta " + beta + ", seed " + seed;
                        checkOne(backend, dtype, r, transA, transB, m, n, k, alpha, beta, what);
                    }
                }
            }
            assertEquals(callsBefore + trials, fake.state("gemm_calls"), "every GEMM went to cuBLAS");
            assertEquals(HostMemoryDevice.STREAM, fake.state("gemm_stream"), "on the device's stream");
        }
    }

    /** One GEMM with every operand a view at a random offset into a larger buffer. */
    private static void checkOne(CudaBackend backend, DType dtype, SplittableRandom r, boolean transA, boolean transB,
                                 int m, int n, int k, double alpha, double beta, String what) {
        double[] a = random(r, m * k), b = random(r, k * n), c = random(r, m * n);
        if (beta == 0) Arrays.fill(c, Double.NaN); // beta == 0 must not read C
        double[] expected = c.clone();
        ColumnMajorBlas.rowMajorGemm(transA, transB, m, n, k, alpha, a, b, beta, expected);
        int offA = r.nextInt(5), offB = r.nextInt(5), offC = r.nextInt(5);
        Buffer bufA = backend.allocate(dtype, offA + a.length), bufB = backend.allocate(dtype, offB + b.length);
        Buffer bufC = backend.allocate(dtype, offC + c.length);
        try {
            Buffer viewA = bufA.slice(offA, a.length), viewB = bufB.slice(offB, b.length), viewC = bufC.slice(offC, c.length);
            CudaAgainstCpu.write(backend, a, viewA);
            CudaAgainstCpu.write(backend, b, viewB);
            CudaAgainstCpu.write(backend, c, viewC);
            backend.gemm(transA, transB, m, n, k, alpha, viewA, viewB, beta, viewC);
            double[] actual = CudaAgainstCpu.read(backend, viewC);
            double norm = 1, error = 0;
            for (int i = 0; i < expected.length; i++) {
                norm = Math.max(norm, Math.abs(expected[i]));
                error = Math.max(error, Math.abs(expected[i] - actual[i]));
            }
            double tolerance = dtype == DType.FLOAT32 ? 1e-5 : 1e-12;
            assertTrue(error <= tolerance * norm, what + ": max error " + error + " against norm " + norm);
        } finally {
            backend.release(bufA);
            backend.release(bufB);
            backend.release(bufC);
        }
    }

    private static double[] random(SplittableRandom r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextDouble(-1, 1);
        return x;
    }

    @Test
    void theHandleIsSetUpOnTheDevicesStreamAndWorkspaceThenDestroyed() {
        FakeCublas fake = fake();
        long liveBefore = fake.state("live_handles");
        HostMemoryDevice device = deviceWith(fake.library.toString());
        try (CudaBackend backend = new CudaBackend(device, 0)) {
            assertEquals(liveBefore + 1, fake.state("live_handles"));
            assertEquals(HostMemoryDevice.STREAM, fake.state("stream"));
            // the fake, like cuBLAS, drops the workspace when the stream is set: so this also checks the order
            CublasTarget.Workspace w = device.workspace();
            assertEquals(w.address(), fake.state("workspace"));
            assertEquals(w.bytes(), fake.state("workspace_bytes"));
            assertEquals(0, fake.state("pointer_mode"), "CUBLAS_POINTER_MODE_HOST");
            assertEquals(0, fake.state("math_mode"), "CUBLAS_DEFAULT_MATH: no TF32");
            assertEquals("cuBLAS 13.1.0 via FFM", device.blas().name());
            assertTrue(backend.description().endsWith("GEMM: cuBLAS 13.1.0 via FFM"), backend.description());
        }
        assertEquals(liveBefore, fake.state("live_handles"), "closing the backend destroys the handle");
    }

    @Test
    void aFailedGemmNamesTheStatusAndTheCall() {
        FakeCublas fake = fake();
        try (CudaBackend backend = new CudaBackend(deviceWith(fake.library.toString()), 0)) {
            Buffer a = backend.allocate(DType.FLOAT32, 15), b = backend.allocate(DType.FLOAT32, 20);
            Buffer c = backend.allocate(DType.FLOAT32, 12);
            fake.failNext("cublasSgemm_v2", 7);
            CudaException e = assertThrows(CudaException.class, () -> backend.gemm(false, false, 3, 4, 5, 1, a, b, 0, c));
            assertEquals("CUBLAS_STATUS_INVALID_VALUE", e.result());
            assertEquals("cublasSgemm_v2(3x4x5)", e.operation());
            Buffer a64 = backend.allocate(DType.FLOAT64, 15), b64 = backend.allocate(DType.FLOAT64, 20);
            Buffer c64 = backend.allocate(DType.FLOAT64, 12);
            fake.failNext("cublasDgemm_v2", 13);
            e = assertThrows(CudaException.class, () -> backend.gemm(true, true, 3, 4, 5, 1, a64, b64, 1, c64));
            assertEquals("CUBLAS_STATUS_EXECUTION_FAILED in cublasDgemm_v2(3x4x5)", e.getMessage());
            fake.failNext("cublasSgemm_v2", 99);
            e = assertThrows(CudaException.class, () -> backend.gemm(false, true, 3, 4, 5, 1, a, b, 0, c));
            assertEquals("cublasStatus_t 99", e.result());
        }
    }

    @Test
    void aFailedSetUpDestroysTheHandleAndBecomesTheReason() {
        FakeCublas fake = fake();
        long liveBefore = fake.state("live_handles");
        for (String function : List.of("cublasSetStream_v2", "cublasSetWorkspace_v2", "cublasSetPointerMode_v2",
                "cublasSetMathMode", "cublasGetVersion_v2")) {
            fake.failNext(function, 14);
            try (HostMemoryDevice device = deviceWith(fake.library.toString())) {
                assertNull(device.blas(), function);
                assertTrue(device.blasNotes().startsWith("cuBLAS 13 via FFM: CudaException: CUBLAS_STATUS_INTERNAL_ERROR in "
                        + function), device.blasNotes());
                assertEquals(liveBefore, fake.state("live_handles"), "the handle is destroyed after " + function + " failed");
            }
        }
        fake.failNext("cublasCreate_v2", 1);
        try (HostMemoryDevice target = deviceWithoutBlas()) {
            CudaException e = assertThrows(CudaException.class, () -> FfmCublas.open(fake.library.toString(), target));
            assertEquals("CUBLAS_STATUS_NOT_INITIALIZED in cublasCreate_v2", e.getMessage());
        }
        assertEquals(liveBefore, fake.state("live_handles"));
    }

    @Test
    void aLibraryWithoutAFunctionIsRefusedByName() {
        fake();
        String library = FakeCublas.withoutDgemm().library.toString();
        try (HostMemoryDevice target = deviceWithoutBlas()) {
            BlasUnavailable e = assertThrows(BlasUnavailable.class, () -> FfmCublas.open(library, target));
            assertEquals(library + " has no cublasDgemm_v2 (is it cuBLAS?)", e.getMessage());
        }
    }
}
