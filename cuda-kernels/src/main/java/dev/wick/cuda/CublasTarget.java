package dev.wick.cuda;

/**
 * What a cuBLAS binding that does not go through JCuda (the FFM one) needs from the device, as raw
 * addresses: the stream its work is queued on, the device address of a buffer, and device memory
 * for cuBLAS's workspace. It is called with the device's context current on the calling thread,
 * the context cuBLAS then runs in.
 */
interface CublasTarget {

    /** Device memory cuBLAS may use as its workspace. */
    record Workspace(long address, long bytes) {
    }

    /** The device's stream (a CUstream, which is the same handle as a cudaStream_t). */
    long stream();

    /** The device address of {@code address}: its allocation's base plus its byte offset. */
    long deviceAddress(KernelArgs.Address address);

    /**
     * Device memory for cuBLAS's workspace, allocated on the first call and owned (and freed, after
     * the cuBLAS handle is destroyed) by the device. Giving cuBLAS its workspace up front means it
     * allocates nothing of its own while a step runs, which CUDA graph capture needs.
     */
    Workspace workspace();
}
