package dev.wick.cuda;

import dev.wick.core.DType;

/** A GEMM provided by a BLAS library (cuBLAS), over the backend's buffers, on its stream. */
interface BlasGemm {
    /** "cuBLAS 12.4.5". */
    String name();

    /**
     * Row-major C = alpha op(A) op(B) + beta C, as in {@link dev.wick.core.backend.Backend#gemm};
     * m, n, k &gt;= 1 (the caller handles the degenerate sizes).
     */
    void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha, CudaBuffer a,
              CudaBuffer b, double beta, CudaBuffer c);

    void close();
}
