package dev.wick.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link DeviceApi} whose memory is Java byte arrays and whose kernels run in the host emulator
 * ({@link KernelEmulator}): the CUDA backend's own code (allocator, staging, every launch) runs
 * unchanged on a machine without a GPU. Copies and fills are done at once (the emulated stream is
 * always idle). Records launches and allocations so tests can check them; told not to run
 * kernels, it only records launches, which is enough for tests of launch plans and transfers.
 */
class EmulatedDevice implements DeviceApi {

    static final class Memory implements DeviceMemory {
        final byte[] data;
        boolean freed;

        Memory(long bytes) {
            if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("emulated allocation too large: " + bytes);
            data = new byte[(int) bytes];
        }

        @Override
        public long bytes() {
            return data.length;
        }
    }

    /** Host memory for staging: a direct buffer (no page-locking needed off a GPU). */
    static final class Pinned implements HostMemory {
        final ByteBuffer buffer;

        Pinned(long bytes) {
            buffer = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        }

        @Override
        public long bytes() {
            return buffer.capacity();
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }
    }

    /**
     * Few multiprocessors, so that the hidden sizes of the tests spread over several blocks of a
     * cooperative launch, each owning several columns.
     */
    static final int MULTIPROCESSORS = 4;
    /** The opt-in shared memory per block of a small device (sm_75's 64 KiB). */
    static final int MAX_SHARED_PER_BLOCK = 64 * 1024;

    private final boolean runKernels;
    /** Whether cooperative launches are offered (a test turns them off to see the fallback). */
    boolean cooperativeLaunch = true;
    private final Set<Memory> live = Collections.newSetFromMap(new IdentityHashMap<>());
    final List<Launch> launches = new ArrayList<>();
    int hostAllocations;
    int deviceAllocations;
    boolean closed;
    /**
     * While capturing: the queued operations, recorded to run at each replay; null otherwise. As on a
     * device, what a captured copy reads from the host is read at replay time.
     */
    private List<Runnable> capture;
    /** Why the current capture can no longer end in a graph (a refused call), or null. */
    private String captureInvalidated;
    int graphsInstantiated;
    int graphReplays;
    /** Where set, every capture ends in this driver error, as on a device that cannot capture the work. */
    String refuseCaptures;

    /** With {@code runKernels} false, launches are recorded but not run (no g++ needed). */
    EmulatedDevice(boolean runKernels) {
        this.runKernels = runKernels;
    }

    int liveAllocations() {
        return live.size();
    }

    @Override
    public String name() {
        return "host emulator";
    }

    @Override
    public int computeCapability() {
        return 75;
    }

    @Override
    public long totalMemoryBytes() {
        return 1L << 30;
    }

    @Override
    public int multiprocessors() {
        return MULTIPROCESSORS;
    }

    /**
     * As many blocks per multiprocessor as fit its 64 KiB of shared memory, at most two, where
     * cooperative launches are offered and a block's memory fits.
     */
    @Override
    public int cooperativeBlocks(String kernel, int threads, int sharedBytes) {
        if (!cooperativeLaunch || sharedBytes > MAX_SHARED_PER_BLOCK) return 0;
        return MULTIPROCESSORS * Math.min(2, MAX_SHARED_PER_BLOCK / Math.max(1, sharedBytes));
    }

    @Override
    public void makeCurrent() {
        if (closed) throw new IllegalStateException("emulated device used after close");
    }

    private static Memory mem(DeviceMemory m) {
        Memory e = (Memory) m;
        if (e.freed) throw new IllegalStateException("emulated memory used after cuMemFree");
        return e;
    }

    @Override
    public DeviceMemory allocate(long bytes) {
        Memory m = new Memory(bytes);
        live.add(m);
        deviceAllocations++;
        return m;
    }

    @Override
    public void free(DeviceMemory memory) {
        Memory m = mem(memory);
        m.freed = true;
        live.remove(m);
    }

    @Override
    public HostMemory allocateHost(long bytes) {
        hostAllocations++;
        return new Pinned(bytes);
    }

    @Override
    public void freeHost(HostMemory memory) {
    }

    private static void checkRange(Memory m, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > m.data.length) {
            throw new IllegalStateException("device access [" + offset + ", " + (offset + bytes) + ") outside an allocation of "
                    + m.data.length + " bytes");
        }
    }

    @Override
    public void copyToDevice(DeviceMemory dst, long dstOffset, HostMemory src, long bytes) {
        if (queue(() -> copyToDevice(dst, dstOffset, src, bytes))) return;
        Memory d = mem(dst);
        checkRange(d, dstOffset, bytes);
        if (bytes > src.bytes()) throw new IllegalStateException("copy of " + bytes + " bytes from " + src.bytes());
        src.buffer().duplicate().position(0).get(d.data, (int) dstOffset, (int) bytes);
    }

    @Override
    public void copyToHost(HostMemory dst, DeviceMemory src, long srcOffset, long bytes) {
        if (queue(() -> copyToHost(dst, src, srcOffset, bytes))) return;
        Memory s = mem(src);
        checkRange(s, srcOffset, bytes);
        if (bytes > dst.bytes()) throw new IllegalStateException("copy of " + bytes + " bytes into " + dst.bytes());
        dst.buffer().duplicate().position(0).put(s.data, (int) srcOffset, (int) bytes);
    }

    @Override
    public void copyOnDevice(DeviceMemory dst, long dstOffset, DeviceMemory src, long srcOffset, long bytes) {
        if (queue(() -> copyOnDevice(dst, dstOffset, src, srcOffset, bytes))) return;
        Memory d = mem(dst), s = mem(src);
        checkRange(d, dstOffset, bytes);
        checkRange(s, srcOffset, bytes);
        if (d == s && srcOffset < dstOffset + bytes && dstOffset < srcOffset + bytes && srcOffset != dstOffset) {
            throw new IllegalStateException("overlapping cuMemcpyDtoDAsync: undefined on a real device");
        }
        System.arraycopy(s.data, (int) srcOffset, d.data, (int) dstOffset, (int) bytes);
    }

    @Override
    public void fill32(DeviceMemory dst, long offset, int bits, long count) {
        if (queue(() -> fill32(dst, offset, bits, count))) return;
        Memory d = mem(dst);
        checkRange(d, offset, count * 4);
        ByteBuffer b = ByteBuffer.wrap(d.data).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) b.putInt((int) (offset + 4 * i), bits);
    }

    @Override
    public void launch(Launch launch) {
        if (launch.cooperative() && launch.gridX() * launch.gridY() > cooperativeBlocks(launch.kernel(),
                launch.blockX() * launch.blockY(), launch.sharedBytes())) {
            throw new IllegalStateException("cooperative " + launch + " exceeds what the device keeps resident");
        }
        launches.add(launch);
        if (queue(() -> run(launch))) return;
        run(launch);
    }

    private void run(Launch launch) {
        Map<Memory, Integer> index = new IdentityHashMap<>();
        List<byte[]> memories = new ArrayList<>();
        List<Object[]> args = new ArrayList<>();
        KernelArgs a = launch.args();
        for (int i = 0; i < a.size(); i++) {
            Object v = a.value(i);
            args.add(switch (a.kind(i)) {
                case POINTER -> {
                    KernelArgs.Address address = (KernelArgs.Address) v;
                    Memory m = mem(address.memory());
                    checkRange(m, address.byteOffset(), 0);
                    int at = index.computeIfAbsent(m, k -> {
                        memories.add(k.data);
                        return memories.size() - 1;
                    });
                    yield new Object[]{0, at, address.byteOffset()};
                }
                case I32 -> new Object[]{1, v};
                case I64 -> new Object[]{2, v};
                case F32 -> new Object[]{3, v};
                case F64 -> new Object[]{4, v};
            });
        }
        // the shared emulator restarts itself if an earlier kernel crashed it (AddressSanitizer aborts)
        if (runKernels) KernelEmulator.shared().run(launch, memories, args);
    }

    @Override
    public void recordStagingFence() {
    }

    @Override
    public void awaitStagingFence() {
        refuseWhileCapturing("cuEventSynchronize");
    }

    @Override
    public void synchronize() {
        refuseWhileCapturing("cuStreamSynchronize");
    }

    /** Records {@code op} when capturing (and says so), as the driver records a queued call. */
    private boolean queue(Runnable op) {
        if (capture == null) return false;
        capture.add(op);
        return true;
    }

    /** What the driver does with a call that waits for a capturing stream: fails, and spoils the capture. */
    private void refuseWhileCapturing(String call) {
        if (capture == null) return;
        captureInvalidated = call;
        throw new CudaException("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", call + " while the stream is capturing");
    }

    private record Recorded(List<Runnable> ops) implements Graph {
    }

    @Override
    public void beginCapture() {
        if (capture != null) throw new CudaException("CUDA_ERROR_ILLEGAL_STATE", "cuStreamBeginCapture while capturing");
        capture = new ArrayList<>();
        captureInvalidated = null;
    }

    @Override
    public Graph endCapture() {
        if (capture == null) throw new CudaException("CUDA_ERROR_ILLEGAL_STATE", "cuStreamEndCapture without a capture");
        List<Runnable> ops = capture;
        String invalidated = captureInvalidated;
        capture = null;
        captureInvalidated = null;
        if (invalidated != null) {
            throw new CudaException("CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "cuStreamEndCapture after " + invalidated);
        }
        if (refuseCaptures != null) throw new CudaException(refuseCaptures, "cuGraphInstantiate");
        graphsInstantiated++;
        return new Recorded(List.copyOf(ops));
    }

    @Override
    public void replay(Graph graph) {
        refuseWhileCapturing("cuGraphLaunch of another graph");
        graphReplays++;
        for (Runnable op : ((Recorded) graph).ops()) op.run();
    }

    @Override
    public void destroy(Graph graph) {
    }

    boolean capturing() {
        return capture != null;
    }

    @Override
    public BlasGemm blas() {
        return null;
    }

    @Override
    public String blasNotes() {
        return "emulated device";
    }

    @Override
    public void close() {
        closed = true;
    }
}
