package dev.wick.cuda;

/**
 * A CUDA driver (or cuBLAS) call failed. The message names the result code (CUDA_ERROR_...) and the
 * operation, including the kernel for launches. Kernels run asynchronously, so a fault inside one
 * can surface at a later call; the message then also names the last kernel launched.
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The CUresult or cublasStatus name. */
    private final String result;
    /** The call that failed, with its kernel or size. */
    private final String operation;

    /**
     * A failed call with the failure underneath it.
     *
     * @param result the CUresult (or cublasStatus) name, e.g. CUDA_ERROR_ILLEGAL_ADDRESS
     * @param operation what was being done, e.g. "cuLaunchKernel(wick_gather_f32)"
     * @param cause what JCuda threw, or null
     */
    public CudaException(String result, String operation, Throwable cause) {
        super(result + " in " + operation, cause);
        this.result = result;
        this.operation = operation;
    }

    /**
     * A failed call.
     *
     * @param result the CUresult (or cublasStatus) name, e.g. CUDA_ERROR_ILLEGAL_ADDRESS
     * @param operation what was being done, e.g. "cuMemAlloc(4096 bytes)"
     */
    public CudaException(String result, String operation) {
        this(result, operation, null);
    }

    /**
     * The result code.
     *
     * @return the CUresult (or cublasStatus) name, e.g. CUDA_ERROR_ILLEGAL_ADDRESS
     */
    public String result() {
        return result;
    }

    /**
     * The call that failed.
     *
     * @return what was being done: "cuLaunchKernel(wick_gather_f32)", "cuMemAlloc(4096 bytes)", ...
     */
    public String operation() {
        return operation;
    }
}
