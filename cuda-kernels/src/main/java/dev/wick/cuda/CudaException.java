package dev.wick.cuda;

/**
 * A CUDA driver (or cuBLAS) call failed. The message names the result code (CUDA_ERROR_...) and the
 * operation, including the kernel for launches. Kernels run asynchronously, so a fault inside one
 * can surface at a later call; the message then also names the last kernel launched.
 */
public final class CudaException extends RuntimeException {
    private final String result;
    private final String operation;

    public CudaException(String result, String operation, Throwable cause) {
        super(result + " in " + operation, cause);
        this.result = result;
        this.operation = operation;
    }

    public CudaException(String result, String operation) {
        this(result, operation, null);
    }

    /** The CUresult (or cublasStatus) name, e.g. CUDA_ERROR_ILLEGAL_ADDRESS. */
    public String result() {
        return result;
    }

    /** What was being done: "cuLaunchKernel(wick_gather_f32)", "cuMemAlloc(4096 bytes)", ... */
    public String operation() {
        return operation;
    }
}
