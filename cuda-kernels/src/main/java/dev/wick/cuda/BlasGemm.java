package dev.wick.cuda;

import dev.wick.core.DType;

/** A GEMM provided by a BLAS library (cuBLAS), over the backend's buffers, on its stream. */
interface BlasGemm {
    /** "cuBLAS 13.0.2 via FFM", "cuBLAS 12.6.1 via JCublas2": the library, its version and the binding. */
    String name();

    /**
     * Row-major C = alpha op(A) op(B) + beta C, as in {@link dev.wick.core.backend.Backend#gemm};
     * m, n, k &gt;= 1 (the caller handles the degenerate sizes).
     */
    void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha, CudaBuffer a,
              CudaBuffer b, double beta, CudaBuffer c);

    void close();
}
