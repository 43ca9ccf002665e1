package dev.wick.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * A {@link DeviceApi} whose "device memory" is native host memory, so that a cuBLAS stand-in
 * working on host addresses (the fake libcublas) can run the CUDA backend's GEMM: upload, GEMM
 * through the FFM binding, download. It runs no kernels; the backend's GEMM needs none while a
 * BLAS is in use.
 */
final class HostMemoryDevice implements DeviceApi, CublasTarget {
    /** The "stream": any address will do, the fake only records it. */
    static final long STREAM = 0x5eed_0000L;
    static final long WORKSPACE_BYTES = 1 << 20;

    private static final class Memory implements DeviceMemory {
        final MemorySegment segment;

        Memory(MemorySegment segment) {
            this.segment = segment;
        }

        @Override
        public long bytes() {
            return segment.byteSize();
        }
    }

    private final Arena arena = Arena.ofShared();
    private final BlasChoice choice;
    private Memory workspace;

    /** {@code choose} picks the GEMM library for this device (as JCudaDevice does for a GPU). */
    HostMemoryDevice(Function<CublasTarget, BlasChoice> choose) {
        this.choice = choose.apply(this);
    }

    private static MemorySegment seg(DeviceMemory m) {
        return ((Memory) m).segment;
    }

    private static MemorySegment whole(HostMemory h) {
        return MemorySegment.ofBuffer(h.buffer().duplicate().clear());
    }

    @Override
    public String name() {
        return "host memory";
    }

    @Override
    public int computeCapability() {
        return 90;
    }

    @Override
    public long totalMemoryBytes() {
        return 1L << 30;
    }

    @Override
    public int multiprocessors() {
        return 1;
    }

    @Override
    public int cooperativeBlocks(String kernel, int threads, int sharedBytes) {
        return 0;
    }

    @Override
    public void makeCurrent() {
    }

    @Override
    public DeviceMemory allocate(long bytes) {
        return new Memory(arena.allocate(bytes, 256)); // cuMemAlloc's alignment, at least
    }

    @Override
    public void free(DeviceMemory memory) {
        // the arena frees everything at close
    }

    @Override
    public HostMemory allocateHost(long bytes) {
        return new EmulatedDevice.Pinned(bytes);
    }

    @Override
    public void freeHost(HostMemory memory) {
    }

    @Override
    public void copyToDevice(DeviceMemory dst, long dstOffset, HostMemory src, long bytes) {
        MemorySegment.copy(whole(src), 0, seg(dst), dstOffset, bytes);
    }

    @Override
    public void copyToHost(HostMemory dst, DeviceMemory src, long srcOffset, long bytes) {
        MemorySegment.copy(seg(src), srcOffset, whole(dst), 0, bytes);
    }

    @Override
    public void copyOnDevice(DeviceMemory dst, long dstOffset, DeviceMemory src, long srcOffset, long bytes) {
        MemorySegment.copy(seg(src), srcOffset, seg(dst), dstOffset, bytes);
    }

    @Override
    public void fill32(DeviceMemory dst, long offset, int bits, long count) {
        for (long i = 0; i < count; i++) seg(dst).set(JAVA_INT_UNALIGNED, offset + 4 * i, bits);
    }

    @Override
    public void launch(Launch launch) {
        throw new UnsupportedOperationException("the host-memory device runs no kernels: " + launch.kernel());
    }

    @Override
    public void recordStagingFence() {
    }

    @Override
    public void awaitStagingFence() {
    }

    @Override
    public void synchronize() {
    }

    @Override
    public void beginCapture() {
        throw new UnsupportedOperationException("no graphs on the FFM stand-in");
    }

    @Override
    public Graph endCapture() {
        throw new UnsupportedOperationException("no graphs on the FFM stand-in");
    }

    @Override
    public void replay(Graph graph) {
        throw new UnsupportedOperationException("no graphs on the FFM stand-in");
    }

    @Override
    public void destroy(Graph graph) {
        throw new UnsupportedOperationException("no graphs on the FFM stand-in");
    }

    @Override
    public BlasGemm blas() {
        return choice.blas();
    }

    @Override
    public String blasNotes() {
        return choice.notes();
    }

    @Override
    public void close() {
        try {
            if (choice.blas() != null) choice.blas().close();
        } finally {
            arena.close();
        }
    }

    // ---- CublasTarget ----------------------------------------------------------------------------

    @Override
    public long stream() {
        return STREAM;
    }

    @Override
    public long deviceAddress(KernelArgs.Address address) {
        return seg(address.memory()).address() + address.byteOffset();
    }

    @Override
    public Workspace workspace() {
        if (workspace == null) workspace = (Memory) allocate(WORKSPACE_BYTES);
        return new Workspace(workspace.segment.address(), WORKSPACE_BYTES);
    }
}
