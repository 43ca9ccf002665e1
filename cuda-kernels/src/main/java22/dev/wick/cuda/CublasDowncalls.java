package dev.wick.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The cuBLAS functions Wick calls, bound by name in one shared library through the FFM API. Each
 * method passes its arguments as cuBLAS's C declaration (cublas_api.h) has them and returns the
 * cublasStatus_t; {@link FfmCublas} turns a failure into an exception. Handles, streams and device
 * memory travel as raw addresses; scalars (alpha, beta) and out-parameters live in a confined
 * arena for the length of one call, which is all cuBLAS needs in host pointer mode (it reads alpha
 * and beta before the call returns).
 *
 * <p>A library is opened once per JVM and stays loaded (cuBLAS cannot be unloaded safely while
 * the CUDA runtime inside it holds state).
 */
final class CublasDowncalls {
    /** cublasPointerMode_t CUBLAS_POINTER_MODE_HOST: alpha and beta are read from host memory. */
    static final int POINTER_MODE_HOST = 0;
    /**
     * cublasMath_t CUBLAS_DEFAULT_MATH: float32 GEMMs in float32 (no TF32 tensor cores), the mode
     * PyTorch uses with TF32 off and the one the JCublas2 binding sets, so both bindings agree.
     */
    static final int DEFAULT_MATH = 0;

    private static final Map<String, CublasDowncalls> OPENED = new ConcurrentHashMap<>();

    private final String library;
    private final MethodHandle create, destroy, setStream, setWorkspace, setPointerMode, setMathMode, getVersion;
    private final MethodHandle sgemm, dgemm;

    private CublasDowncalls(String library) {
        this.library = library;
        SymbolLookup symbols;
        try {
            symbols = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) { // what libraryLookup throws when dlopen fails
            throw new BlasUnavailable(library + " cannot be opened (put its folder on the library path,"
                    + " LD_LIBRARY_PATH, or name the file with -D" + CublasLibrary.PROPERTY + "=...)", e);
        }
        Linker linker = Linker.nativeLinker();
        // cublasStatus_t and every cuBLAS enum are C ints; handles, streams and pointers are addresses;
        // size_t is 64 bits on the 64-bit platforms JCuda (and so Wick's CUDA backend) runs on.
        create = bind(symbols, linker, "cublasCreate_v2", ADDRESS);
        destroy = bind(symbols, linker, "cublasDestroy_v2", ADDRESS);
        setStream = bind(symbols, linker, "cublasSetStream_v2", ADDRESS, ADDRESS);
        setWorkspace = bind(symbols, linker, "cublasSetWorkspace_v2", ADDRESS, ADDRESS, JAVA_LONG);
        setPointerMode = bind(symbols, linker, "cublasSetPointerMode_v2", ADDRESS, JAVA_INT);
        setMathMode = bind(symbols, linker, "cublasSetMathMode", ADDRESS, JAVA_INT);
        getVersion = bind(symbols, linker, "cublasGetVersion_v2", ADDRESS, ADDRESS);
        // (handle, transa, transb, m, n, k, *alpha, *A, lda, *B, ldb, *beta, *C, ldc)
        MemoryLayout[] gemm = {ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT};
        sgemm = bind(symbols, linker, "cublasSgemm_v2", gemm);
        dgemm = bind(symbols, linker, "cublasDgemm_v2", gemm);
    }

    /** The bindings of {@code library}, opened on first use; throws {@link BlasUnavailable} where it cannot be. */
    static CublasDowncalls open(String library) {
        return OPENED.computeIfAbsent(library, CublasDowncalls::new);
    }

    private MethodHandle bind(SymbolLookup symbols, Linker linker, String name, MemoryLayout... arguments) {
        MemorySegment function = symbols.find(name).orElseThrow(() -> new BlasUnavailable(
                library + " has no " + name + " (is it cuBLAS?)"));
        return linker.downcallHandle(function, FunctionDescriptor.of(JAVA_INT, arguments));
    }

    /** cublasCreate_v2: the new handle, or the failed status as a CudaException. */
    long create() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ADDRESS);
            int status = (int) create.invokeExact(handle);
            check(status, "cublasCreate_v2");
            return handle.get(ADDRESS, 0).address();
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    int destroy(long handle) {
        try {
            return (int) destroy.invokeExact(MemorySegment.ofAddress(handle));
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    int setStream(long handle, long stream) {
        try {
            return (int) setStream.invokeExact(MemorySegment.ofAddress(handle), MemorySegment.ofAddress(stream));
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    int setWorkspace(long handle, long workspace, long bytes) {
        try {
            return (int) setWorkspace.invokeExact(MemorySegment.ofAddress(handle), MemorySegment.ofAddress(workspace),
                    bytes);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    int setPointerMode(long handle, int mode) {
        return setMode(setPointerMode, handle, mode);
    }

    int setMathMode(long handle, int mode) {
        return setMode(setMathMode, handle, mode);
    }

    /** A (cublasHandle_t, enum) setter. */
    private static int setMode(MethodHandle setter, long handle, int mode) {
        try {
            return (int) setter.invokeExact(MemorySegment.ofAddress(handle), mode);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** cublasGetVersion_v2: major * 10000 + minor * 100 + patch, or the failed status as a CudaException. */
    int version(long handle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment version = arena.allocate(JAVA_INT);
            int status = (int) getVersion.invokeExact(MemorySegment.ofAddress(handle), version);
            check(status, "cublasGetVersion_v2");
            return version.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    int sgemm(long handle, int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
              float beta, long c, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) sgemm.invokeExact(MemorySegment.ofAddress(handle), opA, opB, m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), lda, MemorySegment.ofAddress(b), ldb,
                    arena.allocateFrom(JAVA_FLOAT, beta), MemorySegment.ofAddress(c), ldc);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    int dgemm(long handle, int opA, int opB, int m, int n, int k, double alpha, long a, int lda, long b, int ldb,
              double beta, long c, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) dgemm.invokeExact(MemorySegment.ofAddress(handle), opA, opB, m, n, k,
                    arena.allocateFrom(JAVA_DOUBLE, alpha), MemorySegment.ofAddress(a), lda, MemorySegment.ofAddress(b),
                    ldb, arena.allocateFrom(JAVA_DOUBLE, beta), MemorySegment.ofAddress(c), ldc);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    /** Throws a CudaException naming the cublasStatus_t and {@code operation} unless {@code status} is success. */
    static void check(int status, String operation) {
        if (status != 0) throw new CudaException(statusName(status), operation);
    }

    /** The cublasStatus_t's name (cublas_api.h), as JCublas and CUDA's own cublasGetStatusName spell it. */
    static String statusName(int status) {
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cublasStatus_t " + status;
        };
    }

    /** invokeExact declares Throwable; what a downcall throws is unchecked (or a wrong signature's error). */
    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("cuBLAS downcall failed", t);
    }
}
