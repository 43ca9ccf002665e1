package dev.wick.cuda;

import dev.wick.core.DType;

/**
 * GEMM through cuBLAS bound with Java's Foreign Function &amp; Memory API (final in Java 22): the
 * binding for CUDA 13's libcublas.so.13, which JCublas 12.6 cannot load. This class lives in the
 * jar's Java 22 layer (META-INF/versions/22) and replaces the Java 17 stand-in of the same name on
 * a Java 22 or newer runtime.
 *
 * <p>The handle is made with the device's context current (cuBLAS runs in it), bound to the
 * device's stream (so its kernels queue in order with Wick's own), given a workspace the device
 * allocated (so cuBLAS allocates nothing while a step runs), host pointer mode and default math:
 * float32 stays float32, no TF32. Row-major Wick meets column-major cuBLAS as
 * {@link ColumnMajorGemm} says, exactly as in the JCublas2 binding.
 *
 * <p>Java 22 and newer restrict native calls to modules granted native access; without
 * {@code --enable-native-access} the JVM would print a warning (and later releases may refuse), so
 * this binding is not used at all then, and the GEMM line says which flag to add.
 */
final class FfmCublas implements BlasGemm {
    private final CublasDowncalls cublas;
    private final CublasTarget target;
    private final long handle;
    private final String name;

    private FfmCublas(CublasDowncalls cublas, CublasTarget target, long handle, String name) {
        this.cublas = cublas;
        this.target = target;
        this.handle = handle;
        this.name = name;
    }

    /**
     * Opens {@code library} and a cuBLAS handle on {@code target}'s stream and workspace.
     *
     * @throws BlasUnavailable where native access is not enabled or the library cannot be opened
     * @throws CudaException   where cuBLAS refuses (naming the cublasStatus_t and the call)
     */
    static BlasGemm open(String library, CublasTarget target) {
        Module module = FfmCublas.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            throw new BlasUnavailable("needs --enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED")
                    + " on the java command line");
        }
        CublasDowncalls cublas = CublasDowncalls.open(library);
        long handle = cublas.create();
        try {
            CublasDowncalls.check(cublas.setStream(handle, target.stream()), "cublasSetStream_v2");
            // after the stream: setting a stream puts cuBLAS back on its own workspace pool
            CublasTarget.Workspace workspace = target.workspace();
            CublasDowncalls.check(cublas.setWorkspace(handle, workspace.address(), workspace.bytes()),
                    "cublasSetWorkspace_v2(" + workspace.bytes() + " bytes)");
            CublasDowncalls.check(cublas.setPointerMode(handle, CublasDowncalls.POINTER_MODE_HOST),
                    "cublasSetPointerMode_v2");
            CublasDowncalls.check(cublas.setMathMode(handle, CublasDowncalls.DEFAULT_MATH), "cublasSetMathMode");
            String name = CublasLibrary.versionName(cublas.version(handle)) + " via FFM";
            return new FfmCublas(cublas, target, handle, name);
        } catch (RuntimeException | Error e) {
            try {
                CublasDowncalls.check(cublas.destroy(handle), "cublasDestroy_v2");
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
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
        long pa = target.deviceAddress(a.address()), pb = target.deviceAddress(b.address());
        long pc = target.deviceAddress(c.address());
        int status = dtype == DType.FLOAT64
                ? cublas.dgemm(handle, g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), alpha, pb, g.ldFirst(), pa,
                        g.ldSecond(), beta, pc, g.ldc())
                : cublas.sgemm(handle, g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), (float) alpha, pb, g.ldFirst(),
                        pa, g.ldSecond(), (float) beta, pc, g.ldc());
        if (status != 0) {
            String function = dtype == DType.FLOAT64 ? "cublasDgemm_v2" : "cublasSgemm_v2";
            CublasDowncalls.check(status, function + "(" + m + "x" + n + "x" + k + ")");
        }
    }

    @Override
    public void close() {
        CublasDowncalls.check(cublas.destroy(handle), "cublasDestroy_v2");
    }
}
