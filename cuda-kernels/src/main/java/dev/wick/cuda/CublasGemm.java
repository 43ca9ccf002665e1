package dev.wick.cuda;

import dev.wick.core.DType;
import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasPointerMode;
import jcuda.runtime.cudaStream_t;

/**
 * GEMM through cuBLAS (JCublas2), on the backend's stream, host pointer mode (alpha and beta come
 * from the host) and default math (no TF32: float32 results stay float32-accurate).
 *
 * <p>cuBLAS is column-major and Wick row-major. A row-major m x n matrix is, read column-major, its
 * n x m transpose, so row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: call gemm
 * with the operands swapped (B first), m and n swapped, and each operand's transpose flag as given
 * (a row-major matrix read column-major is already transposed once). Leading dimensions are the
 * row lengths of the stored matrices: A is m x k (k per row) or, transposed, k x m (m per row).
 */
final class CublasGemm implements BlasGemm {
    private final cublasHandle handle;
    private final String name;

    private CublasGemm(cublasHandle handle, String name) {
        this.handle = handle;
        this.name = name;
    }

    /** Loads cuBLAS and binds a handle to {@code stream}; throws (UnsatisfiedLinkError, ...) where it cannot. */
    static CublasGemm create(CUstream stream) {
        JCublas2.setExceptionsEnabled(true);
        cublasHandle handle = new cublasHandle();
        call(() -> JCublas2.cublasCreate(handle), "cublasCreate");
        try {
            call(() -> JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
            call(() -> JCublas2.cublasSetPointerMode(handle, cublasPointerMode.CUBLAS_POINTER_MODE_HOST),
                    "cublasSetPointerMode");
            call(() -> JCublas2.cublasSetMathMode(handle, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            int[] version = new int[1];
            call(() -> JCublas2.cublasGetVersion(handle, version), "cublasGetVersion");
            int v = version[0];
            return new CublasGemm(handle, "cuBLAS " + v / 10000 + "." + v % 10000 / 100 + "." + v % 100);
        } catch (RuntimeException | Error e) {
            try {
                JCublas2.cublasDestroy(handle);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void call(JCudaDevice.DriverCall c, String operation) {
        int status;
        try {
            status = c.run();
        } catch (jcuda.CudaException e) {
            throw new CudaException(JCudaDevice.resultName(e), operation, e);
        }
        if (status != jcuda.jcublas.cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(jcuda.jcublas.cublasStatus.stringFor(status), operation);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha, CudaBuffer a,
                     CudaBuffer b, double beta, CudaBuffer c) {
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int lda = Math.max(1, transA ? m : k);
        int ldb = Math.max(1, transB ? k : n);
        int ldc = Math.max(1, n);
        Pointer pa = devicePointer(a), pb = devicePointer(b), pc = devicePointer(c);
        if (dtype == DType.FLOAT64) {
            Pointer al = Pointer.to(new double[]{alpha}), be = Pointer.to(new double[]{beta});
            call(() -> JCublas2.cublasDgemm(handle, opB, opA, n, m, k, al, pb, ldb, pa, lda, be, pc, ldc),
                    "cublasDgemm(" + m + "x" + n + "x" + k + ")");
        } else {
            Pointer al = Pointer.to(new float[]{(float) alpha}), be = Pointer.to(new float[]{(float) beta});
            call(() -> JCublas2.cublasSgemm(handle, opB, opA, n, m, k, al, pb, ldb, pa, lda, be, pc, ldc),
                    "cublasSgemm(" + m + "x" + n + "x" + k + ")");
        }
    }

    private static Pointer devicePointer(CudaBuffer buffer) {
        KernelArgs.Address a = buffer.address();
        return JCudaDevice.pointerTo(a.memory(), a.byteOffset());
    }

    @Override
    public void close() {
        call(() -> JCublas2.cublasDestroy(handle), "cublasDestroy");
    }
}
