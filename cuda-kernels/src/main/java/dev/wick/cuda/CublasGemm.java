package dev.wick.cuda;

import dev.wick.core.DType;
import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasPointerMode;
import jcuda.runtime.cudaStream_t;

import java.util.function.Supplier;

/**
 * GEMM through cuBLAS 12 (JCublas2, which needs libcublas.so.12), on the backend's stream and a
 * workspace the device owns, host pointer mode (alpha and beta come from the host) and default math
 * (no TF32: float32 results stay float32-accurate). Row-major Wick meets column-major cuBLAS as
 * {@link ColumnMajorGemm} says.
 */
final class CublasGemm implements BlasGemm {
    private final cublasHandle handle;
    private final String name;

    private CublasGemm(cublasHandle handle, String name) {
        this.handle = handle;
        this.name = name;
    }

    /** Device memory for cuBLAS's own use, and its size. */
    record Workspace(Pointer pointer, long bytes) {
    }

    /**
     * Loads cuBLAS and binds a handle to {@code stream} and to the workspace {@code workspace} gives
     * (asked for only once the library has loaded), so that cuBLAS allocates nothing of its own while
     * a step runs, which CUDA graph capture needs; throws (UnsatisfiedLinkError, ...) where it cannot.
     */
    static CublasGemm create(CUstream stream, Supplier<Workspace> workspace) {
        JCublas2.setExceptionsEnabled(true);
        cublasHandle handle = new cublasHandle();
        call(() -> JCublas2.cublasCreate(handle), "cublasCreate");
        try {
            call(() -> JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
            // after the stream: setting a stream puts cuBLAS back on its own workspace pool
            Workspace w = workspace.get();
            call(() -> JCublas2.cublasSetWorkspace(handle, w.pointer(), w.bytes()),
                    "cublasSetWorkspace(" + w.bytes() + " bytes)");
            call(() -> JCublas2.cublasSetPointerMode(handle, cublasPointerMode.CUBLAS_POINTER_MODE_HOST),
                    "cublasSetPointerMode");
            call(() -> JCublas2.cublasSetMathMode(handle, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            int[] version = new int[1];
            call(() -> JCublas2.cublasGetVersion(handle, version), "cublasGetVersion");
            int v = version[0];
            return new CublasGemm(handle, CublasLibrary.versionName(v) + " via JCublas2");
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
        ColumnMajorGemm g = ColumnMajorGemm.forRowMajor(transA, transB, m, n, k);
        Pointer pa = devicePointer(a), pb = devicePointer(b), pc = devicePointer(c);
        if (dtype == DType.FLOAT64) {
            Pointer al = Pointer.to(new double[]{alpha}), be = Pointer.to(new double[]{beta});
            call(() -> JCublas2.cublasDgemm(handle, g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), al, pb, g.ldFirst(),
                    pa, g.ldSecond(), be, pc, g.ldc()), "cublasDgemm(" + m + "x" + n + "x" + k + ")");
        } else {
            Pointer al = Pointer.to(new float[]{(float) alpha}), be = Pointer.to(new float[]{(float) beta});
            call(() -> JCublas2.cublasSgemm(handle, g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), al, pb, g.ldFirst(),
                    pa, g.ldSecond(), be, pc, g.ldc()), "cublasSgemm(" + m + "x" + n + "x" + k + ")");
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
