package dev.wick.cuda;

/**
 * A row-major GEMM as a column-major BLAS (cuBLAS) is asked for it.
 *
 * <p>A row-major r x c matrix, read column-major, is its c x r transpose. So row-major
 * C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS gets B first and A second, m and n
 * swap, and each operand keeps its own transpose flag (its storage is already read transposed
 * once). Leading dimensions are the row lengths of the stored matrices: A is m x k (k per row) or,
 * transposed, k x m (m per row); B is k x n or n x k; C is m x n. BLAS wants every leading
 * dimension at least 1, even for an empty operand.
 *
 * @param transFirst  whether cuBLAS's first operand (Wick's B) is transposed
 * @param transSecond whether cuBLAS's second operand (Wick's A) is transposed
 * @param m           cuBLAS's m: rows of its C, which is Wick's n
 * @param n           cuBLAS's n: columns of its C, which is Wick's m
 * @param k           the inner dimension, the same for both
 * @param ldFirst     leading dimension of the first operand (Wick's B)
 * @param ldSecond    leading dimension of the second operand (Wick's A)
 * @param ldc         leading dimension of C
 */
record ColumnMajorGemm(boolean transFirst, boolean transSecond, int m, int n, int k, int ldFirst, int ldSecond,
                       int ldc) {
    /** cublasOperation_t's CUBLAS_OP_N and CUBLAS_OP_T. */
    static final int OP_N = 0;
    static final int OP_T = 1;

    /** The column-major call for Wick's row-major C (m x n) = alpha op(A) op(B) + beta C. */
    static ColumnMajorGemm forRowMajor(boolean transA, boolean transB, int m, int n, int k) {
        return new ColumnMajorGemm(transB, transA, n, m, k, Math.max(1, transB ? k : n), Math.max(1, transA ? m : k),
                Math.max(1, n));
    }

    /** The cublasOperation_t of the first operand. */
    int opFirst() {
        return transFirst ? OP_T : OP_N;
    }

    /** The cublasOperation_t of the second operand. */
    int opSecond() {
        return transSecond ? OP_T : OP_N;
    }
}
