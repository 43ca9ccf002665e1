package dev.wick.cuda;

import dev.wick.core.DType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The GEMM library choice: first that opens wins, the rest are not tried, and the line says why. */
class BlasChoiceTest {

    private static final class NamedGemm implements BlasGemm {
        private final String name;

        NamedGemm(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha, CudaBuffer a,
                         CudaBuffer b, double beta, CudaBuffer c) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private final List<String> tried = new ArrayList<>();

    private BlasChoice.Candidate opens(String label, BlasGemm gemm) {
        return new BlasChoice.Candidate(label, () -> {
            tried.add(label);
            return gemm;
        });
    }

    private BlasChoice.Candidate fails(String label, Throwable t) {
        return new BlasChoice.Candidate(label, () -> {
            tried.add(label);
            if (t instanceof RuntimeException e) throw e;
            throw (Error) t;
        });
    }

    @Test
    void theFirstThatOpensWinsAndTheRestAreNotTried() {
        BlasGemm ffm = new NamedGemm("cuBLAS 13.0.2 via FFM");
        BlasChoice c = BlasChoice.first(List.of(opens(JCudaDevice.FFM_CUBLAS, ffm),
                opens(JCudaDevice.JCUBLAS, new NamedGemm("cuBLAS 12.6.1 via JCublas2"))));
        assertSame(ffm, c.blas());
        assertEquals("", c.notes());
        assertEquals(List.of(JCudaDevice.FFM_CUBLAS), tried);
        assertEquals("cuBLAS 13.0.2 via FFM", BlasChoice.describe(c.blas(), c.notes()));
    }

    @Test
    void aPassedOverLibrarySaysWhyInTheLine() {
        BlasGemm jcublas = new NamedGemm("cuBLAS 12.6.1 via JCublas2");
        BlasChoice c = BlasChoice.first(List.of(
                fails(JCudaDevice.FFM_CUBLAS, new BlasUnavailable(FfmCublas.unavailableReason(17))),
                opens(JCudaDevice.JCUBLAS, jcublas)));
        assertSame(jcublas, c.blas());
        assertEquals(List.of(JCudaDevice.FFM_CUBLAS, JCudaDevice.JCUBLAS), tried);
        assertEquals("cuBLAS 12.6.1 via JCublas2 (cuBLAS 13 via FFM: needs Java 22 or newer (this is Java 17))",
                BlasChoice.describe(c.blas(), c.notes()));
    }

    @Test
    void noLibraryMeansThePtxKernelWithEveryReason() {
        BlasChoice c = BlasChoice.first(List.of(
                fails(JCudaDevice.FFM_CUBLAS, new BlasUnavailable("libcublas.so.13 cannot be opened")),
                fails(JCudaDevice.JCUBLAS, new UnsatisfiedLinkError("/tmp/libJCublas2-12.6.0-linux-x86_64.so: "
                        + "libcublas.so.12: cannot open shared object file: No such file or directory")),
                fails("third", new CudaException("CUBLAS_STATUS_NOT_INITIALIZED", "cublasCreate_v2"))));
        assertNull(c.blas());
        assertEquals("Wick PTX SGEMM (cuBLAS 13 via FFM: libcublas.so.13 cannot be opened; cuBLAS 12 via JCublas2:"
                        + " UnsatisfiedLinkError: libcublas.so.12 cannot be opened; third: CudaException:"
                        + " CUBLAS_STATUS_NOT_INITIALIZED in cublasCreate_v2)",
                BlasChoice.describe(c.blas(), c.notes()));
    }

    @Test
    void askingForThePtxKernelTriesNothing() {
        BlasChoice c = BlasChoice.none("-Dwick.gemm=ptx");
        assertNull(c.blas());
        assertEquals("Wick PTX SGEMM (-Dwick.gemm=ptx)", BlasChoice.describe(c.blas(), c.notes()));
    }

    @Test
    void theVirtualMachineRunningOutIsNotAReason() {
        assertThrows(OutOfMemoryError.class, () -> BlasChoice.first(List.of(
                fails(JCudaDevice.FFM_CUBLAS, new OutOfMemoryError("test")),
                opens(JCudaDevice.JCUBLAS, new NamedGemm("never")))));
    }
}
