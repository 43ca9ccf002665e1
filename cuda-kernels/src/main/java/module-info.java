/**
 * Wick's CUDA backend: kernels compiled to PTX, launched through JCuda's driver API, GEMM through
 * cuBLAS with Wick's own PTX SGEMM as the fallback. Put it on the class path or the module path
 * at run time and {@code Wick.cuda()} and {@code Wick.auto()} find it; nothing here is meant to be
 * compiled against, so no package is exported. A failing CUDA call surfaces as a
 * {@link RuntimeException} whose message names the {@code CUresult} and the operation.
 *
 * <p>GEMM goes through CUDA 13's cuBLAS bound with the Foreign Function &amp; Memory API where
 * the runtime is Java 22 or newer (the jar's multi-release layer) and this module has native
 * access ({@code --enable-native-access=dev.wick.cuda}, or {@code ALL-UNNAMED} on the class path),
 * else through CUDA 12's cuBLAS (JCublas2), else through Wick's PTX SGEMM; the engine logs which
 * and why. The system property {@code wick.gemm=ptx} makes GEMM use Wick's PTX SGEMM even where
 * cuBLAS loads; {@code wick.cublas.library} names the cuBLAS 13 library file where the library
 * path does not have it.
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
