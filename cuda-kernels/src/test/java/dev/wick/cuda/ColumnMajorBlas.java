package dev.wick.cuda;

/**
 * A column-major GEMM as the BLAS standard (and cuBLAS's cublas&lt;t&gt;gemm) defines it, arguments
 * checked as cuBLAS checks them: the stand-in for cuBLAS when testing how Wick's row-major GEMM is
 * handed over. src/test/native/fake_cublas.c is the same in C, for the FFM binding's tests.
 */
final class ColumnMajorBlas {
    static final int SUCCESS = 0;
    static final int INVALID_VALUE = 7;

    private ColumnMajorBlas() {
    }

    /**
     * C = alpha op(A) op(B) + beta C with C m x n, op(A) m x k, op(B) k x n, every matrix column-major
     * with its leading dimension; beta == 0 ignores C's contents (NaN included).
     *
     * @return SUCCESS, or INVALID_VALUE for an argument cuBLAS refuses (nothing is written then)
     */
    static int gemm(int opA, int opB, int m, int n, int k, double alpha, double[] a, int lda, double[] b, int ldb,
                    double beta, double[] c, int ldc) {
        if (opA < 0 || opA > 1 || opB < 0 || opB > 1 || m < 0 || n < 0 || k < 0) return INVALID_VALUE;
        if (lda < Math.max(1, opA == 0 ? m : k) || ldb < Math.max(1, opB == 0 ? k : n) || ldc < Math.max(1, m)) {
            return INVALID_VALUE;
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    double x = opA == 0 ? a[i + l * lda] : a[l + i * lda];
                    double y = opB == 0 ? b[l + j * ldb] : b[j + l * ldb];
                    sum += x * y;
                }
                int at = i + j * ldc;
                c[at] = beta == 0 ? alpha * sum : alpha * sum + beta * c[at];
            }
        }
        return SUCCESS;
    }

    /** Wick's row-major definition: C (m x n) = alpha op(A) op(B) + beta C, A m x k or k x m, B k x n or n x k. */
    static void rowMajorGemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, double[] b,
                             double beta, double[] c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    double x = transA ? a[l * m + i] : a[i * k + l];
                    double y = transB ? b[j * k + l] : b[l * n + j];
                    sum += x * y;
                }
                int at = i * n + j;
                c[at] = beta == 0 ? alpha * sum : alpha * sum + beta * c[at];
            }
        }
    }
}
