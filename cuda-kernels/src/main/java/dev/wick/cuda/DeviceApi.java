package dev.wick.cuda;

/**
 * What the CUDA backend needs from a device: memory, copies and kernel launches on one stream, and
 * optionally cuBLAS. {@link JCudaDevice} implements it on JCuda's driver API; tests implement it
 * with a kernel emulator, so that everything above this line (the allocator, the staging, every
 * launch's grid and arguments) runs without a GPU.
 *
 * <p>Every method is called with the device's context current on the calling thread (see
 * {@link #makeCurrent}); "queued" operations run in order on the device's one stream.
 */
interface DeviceApi extends AutoCloseable {

    /** "NVIDIA H100 80GB HBM3". */
    String name();

    /** Compute capability as major * 10 + minor (75, 80, 90, ...). */
    int computeCapability();

    long totalMemoryBytes();

    /** Streaming multiprocessors. */
    int multiprocessors();

    /**
     * The most blocks a cooperative launch of {@code kernel} may have here, every block resident at
     * once with {@code threads} threads and {@code sharedBytes} of dynamic shared memory: 0 where the
     * device launches nothing cooperatively or a block cannot have that much shared memory.
     */
    int cooperativeBlocks(String kernel, int threads, int sharedBytes);

    /** Makes this device's context current on the calling thread (cheap; call at every entry). */
    void makeCurrent();

    /** cuMemAlloc: never cached here (the allocator above caches). */
    DeviceMemory allocate(long bytes);

    /** cuMemFree; the caller has synchronised, so nothing queued still uses the memory. */
    void free(DeviceMemory memory);

    /** Page-locked host memory for staging transfers. */
    HostMemory allocateHost(long bytes);

    void freeHost(HostMemory memory);

    /** Queues a copy of {@code bytes} from the start of {@code src} to {@code dst} + offset. */
    void copyToDevice(DeviceMemory dst, long dstOffset, HostMemory src, long bytes);

    /** Queues a copy of {@code bytes} from {@code src} + offset to the start of {@code dst}. */
    void copyToHost(HostMemory dst, DeviceMemory src, long srcOffset, long bytes);

    /** Queues a device-to-device copy. */
    void copyOnDevice(DeviceMemory dst, long dstOffset, DeviceMemory src, long srcOffset, long bytes);

    /** Queues a fill of {@code count} 32-bit words at {@code dst} + offset with {@code bits}. */
    void fill32(DeviceMemory dst, long offset, int bits, long count);

    /** Queues a kernel launch (arguments already checked against the kernel's PTX signature). */
    void launch(Launch launch);

    /** Marks the point after the last queued host-to-device copy (an event on the stream). */
    void recordStagingFence();

    /** Waits until the device has passed the last {@link #recordStagingFence} point. */
    void awaitStagingFence();

    /** Waits until everything queued has finished. */
    void synchronize();

    /** A captured graph, ready to replay (cuGraphExec). */
    interface Graph {
    }

    /**
     * Starts capturing the stream (cuStreamBeginCapture, relaxed mode, so that memory may still be
     * allocated): what is queued from here on is recorded, not run, until {@link #endCapture}.
     * Waiting for the device or copying to the host fails while capturing.
     */
    void beginCapture();

    /**
     * Ends the capture and instantiates its graph; throws, the capture discarded, where the driver
     * refused something queued during it.
     *
     * @return the graph, to replay until {@link #destroy}
     */
    Graph endCapture();

    /** Queues one replay of the graph (cuGraphLaunch). */
    void replay(Graph graph);

    /** Frees the graph (no replay of it may be queued or running). */
    void destroy(Graph graph);

    /** cuBLAS bound to this device's stream, or null where none can be used (see the notes). */
    BlasGemm blas();

    /**
     * Why the GEMM libraries preferred to {@link #blas()} (all of them, when it is null) were passed
     * over, one line; "" when the first choice is in use.
     */
    String blasNotes();

    /** Frees the stream, modules, cuBLAS handle and context; memory must have been freed before. */
    @Override
    void close();
}
