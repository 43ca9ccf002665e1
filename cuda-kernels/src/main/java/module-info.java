/**
 * Wick's CUDA backend: kernels compiled to PTX, launched through JCuda's driver API, GEMM through
 * cuBLAS with Wick's own PTX SGEMM as the fallback. Put it on the class path or the module path
 * at run time and {@code Wick.cuda()} and {@code Wick.auto()} find it; nothing here is meant to be
 * compiled against, so no package is exported. A failing CUDA call surfaces as a
 * {@link RuntimeException} whose message names the {@code CUresult} and the operation.
 *
 * <p>The system property {@code wick.gemm=ptx} makes GEMM use Wick's PTX SGEMM even where cuBLAS
 * loads.
 *
 * @provides dev.wick.core.backend.BackendProvider the backend named {@code "cuda"}
 */
module dev.wick.cuda {
    requires dev.wick.core;
    // JCuda's jars carry no module name of their own: these are the automatic names of
    // jcuda-12.6.0.jar and jcublas-12.6.0.jar.
    requires jcuda;
    requires jcublas;

    provides dev.wick.core.backend.BackendProvider with dev.wick.cuda.CudaBackendProvider;
}
