/**
 * Wick's core: shapes, dtypes, devices, tensors, engines and memory scopes
 * ({@link dev.wick.core}), the op table ({@link dev.wick.core.ops}), the {@code Backend}
 * interface with the service through which optional backends are found
 * ({@link dev.wick.core.backend}), safetensors files ({@link dev.wick.core.io}), and the conformance
 * suite that checks a backend against another
 * ({@link dev.wick.core.conformance}). Open an engine with {@link dev.wick.core.Wick}.
 *
 * <p>The CPU backend's implementation ({@code dev.wick.core.cpu}) is not exported: reach it through
 * {@code Wick.cpu()}. The incubating Vector API is optional: on a JVM started with
 * {@code --add-modules jdk.incubator.vector} the CPU backend's exp, tanh and GEMM kernels use it,
 * on any other JVM they run as portable loops.
 *
 * @uses dev.wick.core.backend.BackendProvider how {@code Wick.cuda()} and {@code Wick.auto()} find
 *       the CUDA backend (module {@code dev.wick.cuda}, artifact wick-cuda-kernels)
 */
module dev.wick.core {
    // Optional at run time: FloatArrayMath loads the SIMD kernels only when the JVM resolved it.
    requires static jdk.incubator.vector;

    exports dev.wick.core;
    exports dev.wick.core.ops;
    exports dev.wick.core.backend;
    exports dev.wick.core.io;
    // A backend's test kit: cuda-kernels runs it, and so can any other BackendProvider.
    exports dev.wick.core.conformance;

    uses dev.wick.core.backend.BackendProvider;
}
