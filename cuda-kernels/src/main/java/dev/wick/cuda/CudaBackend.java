package dev.wick.cuda;

import dev.wick.core.DType;
import dev.wick.core.Device;
import dev.wick.core.Seed;
import dev.wick.core.Wick;
import dev.wick.core.backend.Backend;
import dev.wick.core.backend.Buffer;
import dev.wick.core.backend.DeviceGraph;
import dev.wick.core.backend.MemoryStats;
import dev.wick.core.backend.ScatterMode;
import dev.wick.core.backend.Strides;
import dev.wick.core.ops.BinaryOp;
import dev.wick.core.ops.ReduceOp;
import dev.wick.core.ops.UnaryOp;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;

/**
 * The CUDA backend: Wick's PTX kernels (src/main/cuda) launched through JCuda's driver API on one
 * stream, memory from a caching allocator, transfers through page-locked staging, GEMM through
 * cuBLAS (CUDA 13's through the FFM binding on Java 22 or newer, else CUDA 12's through JCublas2)
 * or, where neither loads (or {@code -Dwick.gemm=ptx} asks), Wick's own tiled kernel.
 * Implements FLOAT32 and FLOAT64 for every primitive (the CPU backend is the reference it is checked
 * against, see dev.wick.core.conformance).
 *
 * <p>Each launch below lists the kernel's parameters next to the arguments built for it; the
 * arguments are also checked against the PTX declaration before every launch, so a mismatch fails
 * loudly instead of computing garbage.
 */
public final class CudaBackend implements Backend {
    /** Threads per block of the grid-stride kernels. */
    static final int THREADS = 256;
    /** Blocks of the grid-stride kernels: enough to fill any current GPU; the loops do the rest. */
    static final int MAX_BLOCKS = 8192;
    /** Blocks of the one-block-per-row kernels (gather, scatter, softmax); they loop over the rest. */
    static final int MAX_ROW_BLOCKS = 65_536;
    /** Blocks of the squared norm's first pass; fixed by the length alone, so results do not vary. */
    static final int REDUCE_BLOCKS = 1024;
    /** The 32 x 8 thread blocks of reductions with inner > 1: columns by slices of the axis (ops.cu). */
    static final int REDUCE_COLUMNS = 32;
    static final int REDUCE_COLUMN_ROWS = 8;
    /** Keys per shared-memory tile of the bitonic sort, and threads of its blocks (embedding.cu). */
    static final int SORT_TILE = 2048;
    static final int SORT_THREADS = 1024;
    /** The GEMM kernel's tile of C and its 16 x 16 thread blocks (gemm.cu). */
    static final int GEMM_TILE = 64;

    private final DeviceApi device;
    private final PtxModules ptx;
    private final DeviceAllocator allocator;
    private final HostStaging staging;
    private final BlasGemm blas;
    private final Device deviceId;
    private final String description;
    /** Whether recurrences may run as one cooperative launch (persistent.cu); see {@link #recurrencePlan}. */
    private final boolean persistentRecurrences;
    private volatile boolean closed;
    /** The thread capturing a graph (see {@link #capture}), or null. */
    private volatile Thread capturingThread;

    /**
     * Opens device {@code ordinal}. GEMM goes through cuBLAS unless the system property
     * {@code wick.gemm} is {@code ptx} or cuBLAS cannot be loaded; the choice, with the reasons
     * for passing over the better ones, is logged once and ends the description. A recurrent layer's
     * recurrence (tanh RNN, LSTM, GRU) runs as one cooperative kernel per sequence where the device
     * can keep the grid resident, unless the system property {@code wick.cuda.persistent} is
     * {@code false} (then one GEMM and one cell kernel per timestep, the reference path); the
     * description says which.
     *
     * @param ordinal the CUDA device's index, 0 for the first
     * @return the backend, owning its own context and stream until {@link #close()}
     * @throws CudaException when the driver refuses the device or a context on it
     */
    public static CudaBackend open(int ordinal) {
        boolean ptxGemm = "ptx".equalsIgnoreCase(System.getProperty("wick.gemm", "").trim());
        return new CudaBackend(JCudaDevice.open(ordinal, !ptxGemm), ordinal);
    }

    CudaBackend(DeviceApi device, int ordinal) {
        this.device = device;
        this.deviceId = Device.cuda(ordinal);
        this.ptx = PtxModules.get();
        this.allocator = new DeviceAllocator(device);
        this.staging = new HostStaging(device);
        this.blas = device.blas();
        this.persistentRecurrences = !"false".equalsIgnoreCase(System.getProperty("wick.cuda.persistent", "").trim());
        String gemm = BlasChoice.describe(blas, device.blasNotes());
        int cc = device.computeCapability();
        this.description = String.format(Locale.ROOT, "%s %s (sm_%d, %d SMs, %.1f GiB), recurrences: %s, GEMM: %s",
                deviceId, device.name(), cc, device.multiprocessors(), device.totalMemoryBytes() / (double) (1L << 30),
                persistentRecurrences ? "persistent kernel where it fits" : "step by step (wick.cuda.persistent=false)",
                gemm);
        System.getLogger(Wick.LOGGER_NAME + ".cuda").log(System.Logger.Level.INFO, deviceId + ": GEMM through " + gemm);
    }

    @Override
    public Device device() {
        return deviceId;
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * Which GEMM this backend runs.
     *
     * @return true for cuBLAS, false for Wick's own PTX kernel
     */
    public boolean usesCublas() {
        return blas != null;
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    private void enter() {
        if (closed) throw new IllegalStateException(deviceId + " backend is closed");
        device.makeCurrent();
    }

    private CudaBuffer cb(Buffer b) {
        if (b instanceof CudaBuffer c && c.owner() == this) return c;
        throw new IllegalArgumentException("not a buffer of this CUDA backend (" + deviceId + "): " + b);
    }

    /** The buffer, which must hold {@code dtype} (any, if null) and at least {@code length} elements. */
    private CudaBuffer cb(Buffer b, DType dtype, long length, String primitive) {
        CudaBuffer c = cb(b);
        if (dtype != null && c.dtype() != dtype) {
            throw new IllegalArgumentException(primitive + ": expected a " + dtype + " buffer, got " + c.dtype());
        }
        if (c.length() < length) {
            throw new IllegalArgumentException(primitive + ": buffer of " + c.length() + " elements, needs " + length);
        }
        return c;
    }

    /** The floating dtype of a primitive's first buffer, which picks the _f32 or _f64 kernel. */
    private static DType real(Buffer b, String primitive) {
        DType t = b.dtype();
        if (!t.isFloating()) throw new IllegalArgumentException(primitive + " needs floating buffers, got " + t);
        return t;
    }

    private static String kernel(String base, DType real) {
        return base + (real == DType.FLOAT64 ? "_f64" : "_f32");
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS));
    }

    /** Threads for one-row-per-block kernels: the row length rounded up to a warp, at most 256. */
    private static int rowThreads(int rowLength) {
        return Math.min(THREADS, (rowLength + 31) / 32 * 32);
    }

    private void launch(Launch launch) {
        ptx.checkArguments(launch.kernel(), launch.args());
        device.launch(launch);
    }

    private DeviceAllocator.Block scratch(long bytes) {
        return allocator.allocate(bytes);
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Buffer allocate(DType dtype, int length) {
        if (dtype == null) throw new IllegalArgumentException("dtype must not be null");
        if (length < 0) throw new IllegalArgumentException("negative buffer length " + length);
        enter();
        if (length == 0) return new CudaBuffer(this, dtype, null, 0, 0, true);
        return new CudaBuffer(this, dtype, allocator.allocate((long) length * dtype.byteSize()), 0, length, true);
    }

    @Override
    public void release(Buffer buffer) {
        CudaBuffer c = cb(buffer);
        if (!c.owning()) throw new IllegalArgumentException("cannot release a view");
        if (c.block() == null || closed) return; // closing freed everything already
        allocator.release(c.block());
    }

    @Override
    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    @Override
    public long memoryCapacity() {
        return device.totalMemoryBytes();
    }

    @Override
    public void trimCache() {
        enter();
        refuseWhileCapturing("emptying the memory cache");
        allocator.trim();
    }

    // ---- graphs ---------------------------------------------------------------------------------

    @Override
    public boolean capturesGraphs() {
        return true;
    }

    /**
     * Captures {@code work}'s kernels and device copies into a CUDA graph (cuStreamBeginCapture on
     * the backend's stream, relaxed mode). Before the capture the device is drained, so an earlier
     * failure surfaces here and not as a spoiled capture. What the capture allocates stays reserved
     * for the graph until it is closed (see DeviceAllocator), so a replay never writes memory that
     * eager work was handed meanwhile. On any failure the capture is ended, discarded and its memory
     * returned, and the exception propagates.
     */
    @Override
    public DeviceGraph capture(Runnable work) {
        if (work == null) throw new IllegalArgumentException("work must not be null");
        synchronized (this) {
            enter();
            refuseWhileCapturing("a nested capture");
            device.synchronize();
            staging.drained();
            allocator.beginCapture();
            try {
                device.beginCapture();
            } catch (RuntimeException e) {
                allocator.closePool(allocator.endCapture());
                throw e;
            }
            capturingThread = Thread.currentThread();
        }
        boolean recorded = false;
        try {
            work.run();
            recorded = true;
        } finally {
            if (!recorded) { // whatever work threw (a checked exception too): end and discard the capture
                synchronized (this) {
                    capturingThread = null;
                    try {
                        device.destroy(device.endCapture());
                    } catch (RuntimeException ended) {
                        // the driver may have spoilt the capture already; work's exception is the one to see
                    }
                    allocator.closePool(allocator.endCapture());
                }
            }
        }
        synchronized (this) {
            capturingThread = null;
            DeviceAllocator.GraphPool pool = allocator.endCapture();
            try {
                return new CudaGraph(device.endCapture(), pool);
            } catch (RuntimeException e) {
                allocator.closePool(pool);
                throw e;
            }
        }
    }

    /** Refuses what would wait for the device (or copy through the staging buffer) inside a capture. */
    private void refuseWhileCapturing(String what) {
        if (capturingThread != null) {
            throw new IllegalStateException(deviceId + ": " + what + " inside a graph capture; a captured step may "
                    + "neither wait for the device nor move data between host and device (write its inputs before "
                    + "a replay, read its results after)");
        }
    }

    /** A captured graph and the memory kept for it. */
    private final class CudaGraph implements DeviceGraph {
        private final DeviceApi.Graph graph;
        private final DeviceAllocator.GraphPool pool;
        private boolean released;

        CudaGraph(DeviceApi.Graph graph, DeviceAllocator.GraphPool pool) {
            this.graph = graph;
            this.pool = pool;
        }

        @Override
        public void replay() {
            synchronized (CudaBackend.this) {
                if (released) throw new IllegalStateException("the graph is closed");
                enter();
                refuseWhileCapturing("replaying a graph");
                device.replay(graph);
            }
        }

        @Override
        public void close() {
            synchronized (CudaBackend.this) {
                if (released) return;
                if (closed) { // closing the backend freed the graph's memory and context
                    released = true;
                    return;
                }
                enter();
                refuseWhileCapturing("closing a graph");
                released = true;
                try {
                    device.synchronize(); // no replay may still run when the instance goes
                    staging.drained();
                } finally {
                    try {
                        device.destroy(graph);
                    } finally {
                        allocator.closePool(pool);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "CUDA graph on " + deviceId + " (" + pool.blocks() + " blocks kept)";
        }
    }

    // ---- transfers ------------------------------------------------------------------------------

    /** Fills the staging buffer with elements [from, from + count) of the host array. */
    @FunctionalInterface
    private interface ChunkWriter {
        void write(ByteBuffer staging, int from, int count);
    }

    /** Copies elements [from, from + count) out of the staging buffer into the host array. */
    @FunctionalInterface
    private interface ChunkReader {
        void read(ByteBuffer staging, int from, int count);
    }

    private static void checkHostRange(int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > arrayLength) {
            throw new IndexOutOfBoundsException("host range [" + offset + ", " + ((long) offset + length)
                    + ") of an array of " + arrayLength);
        }
    }

    private synchronized void upload(CudaBuffer dst, int length, ChunkWriter writer) {
        if (length == 0) return;
        enter();
        refuseWhileCapturing("an upload from the host");
        int size = dst.dtype().byteSize();
        int chunkElements = (int) (HostStaging.MAX_CHUNK / size);
        for (long at = 0; at < length; at += chunkElements) { // long: at + chunk may pass 2^31 - 1
            int done = (int) at;
            int count = Math.min(chunkElements, length - done);
            writer.write(staging.acquire((long) count * size), done, count);
            device.copyToDevice(dst.memory(), dst.byteOffset(done), staging.memory(), (long) count * size);
            staging.uploadQueued();
        }
    }

    private synchronized void download(CudaBuffer src, int length, ChunkReader reader) {
        if (length == 0) return;
        enter();
        refuseWhileCapturing("a read back to the host");
        int size = src.dtype().byteSize();
        int chunkElements = (int) (HostStaging.MAX_CHUNK / size);
        for (long at = 0; at < length; at += chunkElements) {
            int done = (int) at;
            int count = Math.min(chunkElements, length - done);
            ByteBuffer b = staging.acquire((long) count * size);
            device.copyToHost(staging.memory(), src.memory(), src.byteOffset(done), (long) count * size);
            device.synchronize();
            staging.drained();
            reader.read(b, done, count);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, int length) {
        checkHostRange(src.length, srcOffset, length);
        upload(cb(dst, DType.FLOAT32, length, "upload"), length,
                (b, from, count) -> b.asFloatBuffer().put(src, srcOffset + from, count));
    }

    @Override
    public void upload(double[] src, int srcOffset, Buffer dst, int length) {
        checkHostRange(src.length, srcOffset, length);
        upload(cb(dst, DType.FLOAT64, length, "upload"), length,
                (b, from, count) -> b.asDoubleBuffer().put(src, srcOffset + from, count));
    }

    @Override
    public void upload(int[] src, int srcOffset, Buffer dst, int length) {
        checkHostRange(src.length, srcOffset, length);
        upload(cb(dst, DType.INT32, length, "upload"), length,
                (b, from, count) -> b.asIntBuffer().put(src, srcOffset + from, count));
    }

    @Override
    public void download(Buffer src, float[] dst, int dstOffset, int length) {
        checkHostRange(dst.length, dstOffset, length);
        download(cb(src, DType.FLOAT32, length, "download"), length,
                (b, from, count) -> b.asFloatBuffer().get(dst, dstOffset + from, count));
    }

    @Override
    public void download(Buffer src, double[] dst, int dstOffset, int length) {
        checkHostRange(dst.length, dstOffset, length);
        download(cb(src, DType.FLOAT64, length, "download"), length,
                (b, from, count) -> b.asDoubleBuffer().get(dst, dstOffset + from, count));
    }

    @Override
    public void download(Buffer src, int[] dst, int dstOffset, int length) {
        checkHostRange(dst.length, dstOffset, length);
        download(cb(src, DType.INT32, length, "download"), length,
                (b, from, count) -> b.asIntBuffer().get(dst, dstOffset + from, count));
    }

    @Override
    public synchronized void synchronize() {
        enter();
        refuseWhileCapturing("waiting for the device");
        device.synchronize();
        staging.drained();
    }

    // ---- fills, copies, random ------------------------------------------------------------------

    @Override
    public void copy(Buffer src, Buffer dst, int length) {
        CudaBuffer s = cb(src, null, length, "copy");
        CudaBuffer d = cb(dst, s.dtype(), length, "copy");
        if (length == 0) return;
        enter();
        long bytes = (long) length * s.dtype().byteSize();
        long from = s.byteOffset(0), to = d.byteOffset(0);
        if (s.memory() == d.memory() && from < to + bytes && to < from + bytes && from != to) {
            // cuMemcpyDtoD leaves overlapping ranges undefined; the CPU copies as if through a
            // temporary, so do exactly that
            DeviceAllocator.Block tmp = scratch(bytes);
            try {
                device.copyOnDevice(tmp.memory, 0, s.memory(), from, bytes);
                device.copyOnDevice(d.memory(), to, tmp.memory, 0, bytes);
            } finally {
                allocator.release(tmp);
            }
            return;
        }
        device.copyOnDevice(d.memory(), to, s.memory(), from, bytes);
    }

    @Override
    public void convert(Buffer src, Buffer dst, int length) {
        CudaBuffer s = cb(src, null, length, "convert");
        CudaBuffer d = cb(dst, null, length, "convert");
        String kernel;
        if (s.dtype() == DType.FLOAT32 && d.dtype() == DType.FLOAT64) kernel = "wick_convert_f32_f64";
        else if (s.dtype() == DType.FLOAT64 && d.dtype() == DType.FLOAT32) kernel = "wick_convert_f64_f32";
        else throw new IllegalArgumentException("convert: from " + s.dtype() + " to " + d.dtype()
                    + " (FLOAT32 to FLOAT64 or back only)");
        if (length == 0) return;
        enter();
        // wick_convert_fXX_fYY(const X* src, Y* dst, int n)
        launch(Launch.of(kernel, blocks(length), THREADS, new KernelArgs().ptr(s).ptr(d).i32(length)));
    }

    @Override
    public void fill(Buffer dst, double value, int length) {
        CudaBuffer d = cb(dst, null, length, "fill");
        if (length == 0) return;
        enter();
        switch (d.dtype()) {
            case FLOAT32 -> device.fill32(d.memory(), d.byteOffset(0), Float.floatToRawIntBits((float) value), length);
            case INT32 -> device.fill32(d.memory(), d.byteOffset(0), (int) value, length);
            // wick_fill_f64(double* dst, int n, double value)
            case FLOAT64 -> launch(Launch.of("wick_fill_f64", blocks(length), THREADS,
                    new KernelArgs().ptr(d).i32(length).f64(value)));
        }
    }

    @Override
    public void uniform(Buffer dst, int length, long seed, double low, double high) {
        DType t = real(dst, "uniform");
        CudaBuffer d = cb(dst, t, length, "uniform");
        if (length == 0) return;
        enter();
        // wick_uniform_fXX(T* dst, int n, long long seed, double low, double span)
        launch(Launch.of(kernel("wick_uniform", t), blocks(length), THREADS,
                new KernelArgs().ptr(d).i32(length).i64(seed).f64(low).f64(high - low)));
    }

    @Override
    public void uniform(Buffer dst, int length, Buffer seed, long[] counters, double low, double high) {
        DType t = real(dst, "uniform");
        CudaBuffer d = cb(dst, t, length, "uniform");
        CudaBuffer s = cb(seed, DType.INT32, 2, "uniform's seed");
        if (counters.length > Seed.MAX_DERIVATIONS) {
            throw new IllegalArgumentException("uniform: " + counters.length + " derivations of the seed, at most "
                    + Seed.MAX_DERIVATIONS);
        }
        if (length == 0) return;
        enter();
        long[] c = Arrays.copyOf(counters, Seed.MAX_DERIVATIONS);
        // wick_uniform_seeded_fXX(T* dst, int n, const int* seed, int depth, long long c0, long long c1,
        //                         long long c2, long long c3, double low, double span)
        launch(Launch.of(kernel("wick_uniform_seeded", t), blocks(length), THREADS,
                new KernelArgs().ptr(d).i32(length).ptr(s).i32(counters.length).i64(c[0]).i64(c[1]).i64(c[2]).i64(c[3])
                        .f64(low).f64(high - low)));
    }

    @Override
    public void normal(Buffer dst, int length, long seed, double mean, double std) {
        DType t = real(dst, "normal");
        CudaBuffer d = cb(dst, t, length, "normal");
        if (length == 0) return;
        enter();
        // wick_normal_fXX(T* dst, int n, long long seed, double mean, double std)
        launch(Launch.of(kernel("wick_normal", t), blocks(length), THREADS,
                new KernelArgs().ptr(d).i32(length).i64(seed).f64(mean).f64(std)));
    }

    // ---- embedding ------------------------------------------------------------------------------

    @Override
    public int firstIndexOutOfRange(Buffer indices, int count, int bound, int exempt) {
        CudaBuffer ix = cb(indices, DType.INT32, count, "firstIndexOutOfRange");
        if (count == 0) return -1;
        enter();
        DeviceAllocator.Block first = scratch(Integer.BYTES);
        try {
            device.fill32(first.memory, 0, Integer.MAX_VALUE, 1);
            // wick_first_index_out_of_range(const int* indices, int n, int bound, int exempt, int* first)
            launch(Launch.of("wick_first_index_out_of_range", blocks(count), THREADS,
                    new KernelArgs().ptr(ix).i32(count).i32(bound).i32(exempt).ptr(first.memory, 0)));
            int position = readInt(first);
            return position == Integer.MAX_VALUE ? -1 : position;
        } finally {
            allocator.release(first);
        }
    }

    private synchronized int readInt(DeviceAllocator.Block block) {
        refuseWhileCapturing("an index check (it reads the device's answer)");
        ByteBuffer b = staging.acquire(Integer.BYTES);
        device.copyToHost(staging.memory(), block.memory, 0, Integer.BYTES);
        device.synchronize();
        staging.drained();
        return b.getInt(0);
    }

    @Override
    public void gather(Buffer table, Buffer indices, Buffer out, int count, int rowLength) {
        DType t = real(table, "gather");
        CudaBuffer tb = cb(table, t, 0, "gather");
        CudaBuffer ix = cb(indices, DType.INT32, count, "gather");
        CudaBuffer o = cb(out, t, (long) count * rowLength, "gather");
        if (count == 0 || rowLength == 0) return;
        enter();
        // wick_gather_fXX(const T* table, const int* indices, T* out, int count, int row_length)
        launch(Launch.of(kernel("wick_gather", t), Math.min(count, MAX_ROW_BLOCKS), rowThreads(rowLength),
                new KernelArgs().ptr(tb).ptr(ix).ptr(o).i32(count).i32(rowLength)));
    }

    @Override
    public void scatterAdd(Buffer table, Buffer indices, Buffer src, int count, int rowLength, int skipIndex,
                           ScatterMode mode) {
        DType t = real(table, "scatterAdd");
        CudaBuffer tb = cb(table, t, 0, "scatterAdd");
        CudaBuffer ix = cb(indices, DType.INT32, count, "scatterAdd");
        CudaBuffer s = cb(src, t, (long) count * rowLength, "scatterAdd");
        if (count == 0 || rowLength == 0) return;
        enter();
        if (mode == ScatterMode.DETERMINISTIC) {
            scatterAddSorted(t, tb, ix, s, count, rowLength, skipIndex);
            return;
        }
        // wick_scatter_add_atomic_fXX(T* table, const int* indices, const T* src, int count, int row_length,
        //                             int skip_index)
        launch(Launch.of(kernel("wick_scatter_add_atomic", t), Math.min(count, MAX_ROW_BLOCKS), rowThreads(rowLength),
                new KernelArgs().ptr(tb).ptr(ix).ptr(s).i32(count).i32(rowLength).i32(skipIndex)));
    }

    /** Sort (row, position) keys, then add each row's contributions in position order. */
    private void scatterAddSorted(DType t, CudaBuffer table, CudaBuffer indices, CudaBuffer src, int count,
                                  int rowLength, int skipIndex) {
        if (count > 1 << 30) {
            throw new UnsupportedOperationException("deterministic scatterAdd of " + count
                    + " indices (at most 2^30 on CUDA)");
        }
        DeviceAllocator.Block keys = sortedKeys(indices, count, skipIndex);
        try {
            // wick_scatter_add_sorted_fXX(T* table, const unsigned long long* keys, const T* src, int count,
            //                             int row_length)
            launch(Launch.of(kernel("wick_scatter_add_sorted", t), Math.min(count, MAX_ROW_BLOCKS),
                    rowThreads(rowLength),
                    new KernelArgs().ptr(table).ptr(keys.memory, 0).ptr(src).i32(count).i32(rowLength)));
        } finally {
            allocator.release(keys);
        }
    }

    /**
     * The lookups as sorted keys (row << 32) | position, those equal to skipIndex replaced by the
     * all-ones key that sorts last, padded with it to a power of two of at least count (at most
     * 2^30) slots. The caller releases the block.
     */
    private DeviceAllocator.Block sortedKeys(CudaBuffer indices, int count, int skipIndex) {
        int n = Math.max(2, Integer.highestOneBit(count - 1) << 1); // power of two >= count
        DeviceAllocator.Block keys = scratch((long) n * Long.BYTES);
        try {
            // wick_scatter_keys(const int* indices, int count, int skip_index, int n, unsigned long long* keys)
            launch(Launch.of("wick_scatter_keys", blocks(n), THREADS,
                    new KernelArgs().ptr(indices).i32(count).i32(skipIndex).i32(n).ptr(keys.memory, 0)));
            sortKeys(keys, n);
            return keys;
        } catch (RuntimeException e) {
            allocator.release(keys);
            throw e;
        }
    }

    /** Bitonic sort of n (a power of two, 2 <= n <= 2^30) 64-bit keys; the schedule of embedding.cu. */
    private void sortKeys(DeviceAllocator.Block keys, int n) {
        int tile = Math.min(n, SORT_TILE);
        // wick_bitonic_sort_tile(unsigned long long* keys, int n): n / tile blocks of 1024 threads
        launch(Launch.of("wick_bitonic_sort_tile", n / tile, SORT_THREADS,
                new KernelArgs().ptr(keys.memory, 0).i32(n)));
        for (long k = 2L * tile; k <= n; k <<= 1) {
            for (long j = k / 2; j >= tile; j >>= 1) {
                // wick_bitonic_merge_global(unsigned long long* keys, int n, int j, int k)
                launch(Launch.of("wick_bitonic_merge_global", blocks(n / 2), THREADS,
                        new KernelArgs().ptr(keys.memory, 0).i32(n).i32((int) j).i32((int) k)));
            }
            // wick_bitonic_merge_tile(unsigned long long* keys, int n, int k): n / 2048 blocks of 1024 threads
            launch(Launch.of("wick_bitonic_merge_tile", n / SORT_TILE, SORT_THREADS,
                    new KernelArgs().ptr(keys.memory, 0).i32(n).i32((int) k)));
        }
    }

    // ---- linear algebra -------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buffer a, Buffer b,
                     double beta, Buffer c) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("gemm: negative size " + m + "x" + n + "x" + k);
        DType t = real(c, "gemm");
        CudaBuffer A = cb(a, t, (long) m * k, "gemm");
        CudaBuffer B = cb(b, t, (long) k * n, "gemm");
        CudaBuffer C = cb(c, t, (long) m * n, "gemm");
        if (m == 0 || n == 0) return;
        if (k == 0) { // op(A) op(B) is the zero matrix: C = beta C (beta == 0 ignores C, NaN included)
            if (beta == 0) fill(C, 0, m * n);
            else binaryScalar(BinaryOp.MUL, C, beta, false, C, m * n);
            return;
        }
        enter();
        if (blas != null) {
            blas.gemm(t, transA, transB, m, n, k, alpha, A, B, beta, C);
            return;
        }
        if (m > Integer.MAX_VALUE - GEMM_TILE || n > Integer.MAX_VALUE - GEMM_TILE) { // tile indices stay ints
            throw new UnsupportedOperationException("PTX gemm with " + m + " x " + n + " outputs");
        }
        String name = "wick_gemm_" + (transA ? "t" : "n") + (transB ? "t" : "n");
        int tilesN = (n + GEMM_TILE - 1) / GEMM_TILE;
        int tilesM = Math.min((m + GEMM_TILE - 1) / GEMM_TILE, Launch.MAX_GRID_Y); // the kernel loops over more
        // wick_gemm_XY_fXX(int m, int n, int k, T alpha, const T* A, const T* B, T beta, T* C):
        // grid ceil(n / 64) x min(ceil(m / 64), 65535), blocks of 16 x 16 threads
        launch(new Launch(kernel(name, t), tilesN, tilesM, 16, 16, 0,
                new KernelArgs().i32(m).i32(n).i32(k).real(t, alpha).ptr(A).ptr(B).real(t, beta).ptr(C)));
    }

    // ---- the op families (ops.cu: kernels generated from the op table) ----------------------------

    /** The kernel of one op-table entry, as ops.cu names it: wick_<family>_<op name>_f32 or _f64. */
    private static String opKernel(String family, String opName, DType real) {
        return kernel("wick_" + family + "_" + opName, real);
    }

    /**
     * Elements an operand of a walk reaches: one past its largest offset (0 for an empty walk).
     * The kernels never step before an operand's start, so a negative offset is refused.
     */
    private static long extent(Strides layout, IntUnaryOperator stride, String primitive) {
        if (layout.numel() == 0) return 0;
        long last = 0;
        for (int i = 0; i < layout.rank(); i++) {
            int s = stride.applyAsInt(i);
            if (s < 0) throw new IllegalArgumentException(primitive + ": negative stride in " + layout);
            last += (long) (layout.dim(i) - 1) * s;
        }
        return last + 1;
    }

    /**
     * Appends a walk as ops.cu's strided kernels take it: rank, then the dimensions, the first and
     * the second operand's strides, each padded to {@link Strides#MAX_RANK} (dimension 1, stride 0).
     */
    private static KernelArgs walk(KernelArgs args, Strides layout) {
        int rank = layout.rank();
        args.i32(rank);
        padded(args, rank, layout::dim, 1);
        padded(args, rank, layout::first, 0);
        return padded(args, rank, layout::second, 0);
    }

    private static KernelArgs padded(KernelArgs args, int rank, IntUnaryOperator value, int padding) {
        for (int i = 0; i < Strides.MAX_RANK; i++) args.i32(i < rank ? value.applyAsInt(i) : padding);
        return args;
    }

    @Override
    public void unary(UnaryOp op, Buffer x, Buffer y, int length) {
        String primitive = "unary " + op.opName();
        DType t = real(x, primitive);
        CudaBuffer X = cb(x, t, length, primitive), Y = cb(y, t, length, primitive);
        if (length == 0) return;
        enter();
        // wick_unary_<op>_fXX(const T* x, T* y, int n)
        launch(Launch.of(opKernel("unary", op.opName(), t), blocks(length), THREADS,
                new KernelArgs().ptr(X).ptr(Y).i32(length)));
    }

    @Override
    public void binary(BinaryOp op, Buffer a, Buffer b, Buffer out, Strides layout) {
        String primitive = "binary " + op.opName();
        DType t = real(a, primitive);
        int n = layout.numel();
        CudaBuffer A = cb(a, t, extent(layout, layout::first, primitive), primitive);
        CudaBuffer B = cb(b, t, extent(layout, layout::second, primitive), primitive);
        CudaBuffer O = cb(out, t, n, primitive);
        if (n == 0) return;
        enter();
        // wick_binary_<op>_fXX(const T* a, const T* b, T* out, int n,
        //                      int rank, int d0..d5, int sa0..sa5, int sb0..sb5)
        launch(Launch.of(opKernel("binary", op.opName(), t), blocks(n), THREADS,
                walk(new KernelArgs().ptr(A).ptr(B).ptr(O).i32(n), layout)));
    }

    @Override
    public void binaryScalar(BinaryOp op, Buffer a, double scalar, boolean scalarFirst, Buffer out, int length) {
        String primitive = "binaryScalar " + op.opName();
        DType t = real(a, primitive);
        CudaBuffer A = cb(a, t, length, primitive), O = cb(out, t, length, primitive);
        if (length == 0) return;
        enter();
        // wick_binary_scalar_<op>_fXX(const T* a, T s, T* out, int n, int scalar_first)
        launch(Launch.of(opKernel("binary_scalar", op.opName(), t), blocks(length), THREADS,
                new KernelArgs().ptr(A).real(t, scalar).ptr(O).i32(length).i32(scalarFirst ? 1 : 0)));
    }

    @Override
    public void reduce(ReduceOp op, Buffer x, Buffer out, int outer, int n, int inner) {
        String primitive = "reduce " + op.opName();
        if (outer < 0 || n < 0 || inner < 0) {
            throw new IllegalArgumentException(primitive + ": negative size " + outer + " x " + n + " x " + inner);
        }
        if (op.kind() == ReduceOp.Kind.SELECT && n == 0) {
            throw new IllegalArgumentException(op.opName() + " over an empty axis");
        }
        DType t = real(x, primitive);
        long outputs = (long) outer * inner;
        CudaBuffer X = cb(x, t, outputs * n, primitive);
        CudaBuffer O = cb(out, op.indexResult() ? DType.INT32 : t, outputs, primitive);
        if (outputs == 0) return;
        if (n == 0) { // every output is the finish of nothing (x may have no memory to point at)
            fill(O, op.finish(0, 0, op.shifted() ? Double.NEGATIVE_INFINITY : 0), (int) outputs);
            return;
        }
        enter();
        // wick_reduce_<op>_fXX(const T* x, R* out, int outer, int n, int inner), R = T, or int for
        // argmax and the like
        KernelArgs args = new KernelArgs().ptr(X).ptr(O).i32(outer).i32(n).i32(inner);
        String name = opKernel("reduce", op.opName(), t);
        if (inner == 1) { // a block per output, its threads splitting the axis
            launch(Launch.of(name, Math.min(outer, MAX_ROW_BLOCKS), rowThreads(n), args));
        } else { // a 32 x 8 block per 32 adjacent outputs
            long tiles = outer * ((inner + (long) REDUCE_COLUMNS - 1) / REDUCE_COLUMNS);
            launch(new Launch(name, (int) Math.min(tiles, MAX_ROW_BLOCKS), 1, REDUCE_COLUMNS, REDUCE_COLUMN_ROWS, 0,
                    args));
        }
    }

    @Override
    public void copyStrided(Buffer src, Buffer dst, Strides layout) {
        CudaBuffer S = cb(src, null, extent(layout, layout::first, "copyStrided"), "copyStrided");
        CudaBuffer D = cb(dst, S.dtype(), extent(layout, layout::second, "copyStrided"), "copyStrided");
        int n = layout.numel();
        if (n == 0) return;
        if (layout.isFlat()) {
            copy(S, D, n);
            return;
        }
        enter();
        // wick_copy_strided_bXX(const E* src, E* dst, int n, int rank, int d0..d5, int ss0..ss5, int ds0..ds5):
        // by element size, so that INT32 moves through the 32-bit kernel
        String name = S.dtype().byteSize() == Long.BYTES ? "wick_copy_strided_b64" : "wick_copy_strided_b32";
        launch(Launch.of(name, blocks(n), THREADS, walk(new KernelArgs().ptr(S).ptr(D).i32(n), layout)));
    }

    // ---- activations -----------------------------------------------------------------------------

    @Override
    public void tanhBackward(Buffer y, Buffer dy, Buffer dx, int length, boolean accumulate) {
        DType t = real(y, "tanhBackward");
        CudaBuffer Y = cb(y, t, length, "tanhBackward"), DY = cb(dy, t, length, "tanhBackward");
        CudaBuffer DX = cb(dx, t, length, "tanhBackward");
        if (length == 0) return;
        enter();
        // wick_tanh_backward_fXX(const T* y, const T* dy, T* dx, int n, int accumulate)
        launch(Launch.of(kernel("wick_tanh_backward", t), blocks(length), THREADS,
                new KernelArgs().ptr(Y).ptr(DY).ptr(DX).i32(length).i32(accumulate ? 1 : 0)));
    }

    // ---- recurrent cells (recurrent.cu: one thread per batch row and hidden unit) -------------------

    /**
     * batch * hidden, the threads of a cell kernel; refuses negative sizes. A long: the buffer checks
     * that follow refuse what does not fit a buffer, which also makes it fit an int.
     */
    private static long cellUnits(int batch, int hidden, String primitive) {
        if (batch < 0 || hidden < 0) {
            throw new IllegalArgumentException(primitive + ": negative size " + batch + " x " + hidden);
        }
        return (long) batch * hidden;
    }

    @Override
    public void lstmCellForward(Buffer gates, Buffer cPrev, Buffer c, Buffer h, int batch, int hidden) {
        String p = "lstmCellForward";
        DType t = real(gates, p);
        long n = cellUnits(batch, hidden, p);
        CudaBuffer G = cb(gates, t, 4L * n, p), P = cb(cPrev, t, n, p), C = cb(c, t, n, p), H = cb(h, t, n, p);
        if (n == 0) return;
        enter();
        // wick_lstm_cell_forward_fXX(T* gates, const T* c_prev, T* c, T* h, int batch, int hidden)
        launch(Launch.of(kernel("wick_lstm_cell_forward", t), blocks(n), THREADS,
                new KernelArgs().ptr(G).ptr(P).ptr(C).ptr(H).i32(batch).i32(hidden)));
    }

    @Override
    public void lstmCellBackward(Buffer gates, Buffer cPrev, Buffer c, Buffer dh, Buffer dc, Buffer dGates,
                                 int batch, int hidden) {
        String p = "lstmCellBackward";
        DType t = real(gates, p);
        long n = cellUnits(batch, hidden, p);
        CudaBuffer G = cb(gates, t, 4L * n, p), P = cb(cPrev, t, n, p), C = cb(c, t, n, p);
        CudaBuffer DH = cb(dh, t, n, p), DC = cb(dc, t, n, p), DG = cb(dGates, t, 4L * n, p);
        if (n == 0) return;
        enter();
        // wick_lstm_cell_backward_fXX(const T* gates, const T* c_prev, const T* c, const T* dh, T* dc,
        //                             T* d_gates, int batch, int hidden)
        launch(Launch.of(kernel("wick_lstm_cell_backward", t), blocks(n), THREADS,
                new KernelArgs().ptr(G).ptr(P).ptr(C).ptr(DH).ptr(DC).ptr(DG).i32(batch).i32(hidden)));
    }

    @Override
    public void gruCellForward(Buffer gi, Buffer gh, Buffer hPrev, Buffer h, int batch, int hidden) {
        String p = "gruCellForward";
        DType t = real(gi, p);
        long n = cellUnits(batch, hidden, p);
        CudaBuffer I = cb(gi, t, 3L * n, p), K = cb(gh, t, 3L * n, p), P = cb(hPrev, t, n, p), H = cb(h, t, n, p);
        if (n == 0) return;
        enter();
        // wick_gru_cell_forward_fXX(T* gi, const T* gh, const T* h_prev, T* h, int batch, int hidden)
        launch(Launch.of(kernel("wick_gru_cell_forward", t), blocks(n), THREADS,
                new KernelArgs().ptr(I).ptr(K).ptr(P).ptr(H).i32(batch).i32(hidden)));
    }

    @Override
    public void gruCellBackward(Buffer gates, Buffer gh, Buffer hPrev, Buffer dh, Buffer dGi, Buffer dGh,
                                Buffer dhPrev, int batch, int hidden) {
        String p = "gruCellBackward";
        DType t = real(gates, p);
        long n = cellUnits(batch, hidden, p);
        CudaBuffer G = cb(gates, t, 3L * n, p), K = cb(gh, t, 3L * n, p), P = cb(hPrev, t, n, p);
        CudaBuffer DH = cb(dh, t, n, p), DI = cb(dGi, t, 3L * n, p), DK = cb(dGh, t, 3L * n, p);
        CudaBuffer DP = cb(dhPrev, t, n, p);
        if (n == 0) return;
        enter();
        // wick_gru_cell_backward_fXX(const T* gates, const T* gh, const T* h_prev, const T* dh, T* d_gi,
        //                            T* d_gh, T* dh_prev, int batch, int hidden)
        launch(Launch.of(kernel("wick_gru_cell_backward", t), blocks(n), THREADS,
                new KernelArgs().ptr(G).ptr(K).ptr(P).ptr(DH).ptr(DI).ptr(DK).ptr(DP).i32(batch).i32(hidden)));
    }

    // ---- recurrent layers: a whole sequence in one cooperative launch (persistent.cu) ----------------

    /**
     * How a persistent recurrence runs: {@code blocks} blocks of {@code threads} threads, each owning
     * {@code cols} hidden units and holding their columns of the recurrent weight in
     * {@code sharedBytes} of shared memory.
     */
    record RecurrencePlan(int blocks, int threads, int cols, int sharedBytes) {
    }

    /** The most weight columns (gates x units) one block of persistent.cu holds (WICK_PERSISTENT_MAX_COLUMNS). */
    static final int PERSISTENT_MAX_COLUMNS = 32;
    /** The most warps per block of persistent.cu; each takes batch rows in turn. */
    static final int PERSISTENT_MAX_WARPS = 8;
    /** The most blocks per multiprocessor a plan tries, to bring a wide layer's columns per block down. */
    static final int PERSISTENT_MAX_BLOCKS_PER_SM = 4;

    /**
     * The launch of {@code kernel}, for a cell of {@code gates} gates (1 tanh, 4 LSTM, 3 GRU), or null
     * where the step-by-step path must run: persistent recurrences turned off
     * ({@code -Dwick.cuda.persistent=false}), or no grid the device keeps resident whose blocks hold
     * at most PERSISTENT_MAX_COLUMNS columns each (no cooperative launch, too little shared memory,
     * too wide a layer). Tries one block per multiprocessor first, so that the units spread as thinly
     * as the device allows, then two, three and four.
     */
    RecurrencePlan recurrencePlan(String kernel, DType t, int gates, int batch, int hidden) {
        if (!persistentRecurrences || batch < 1 || hidden < 1) return null;
        int multiprocessors = Math.max(1, device.multiprocessors());
        int threads = 32 * Math.min(PERSISTENT_MAX_WARPS, batch);
        for (int perSm = 1; perSm <= PERSISTENT_MAX_BLOCKS_PER_SM; perSm++) {
            long spread = (long) multiprocessors * perSm;
            int cols = (int) ((hidden + spread - 1) / spread);
            if ((long) gates * cols > PERSISTENT_MAX_COLUMNS) continue;
            int blocks = (hidden + cols - 1) / cols;
            long shared = (long) gates * hidden * cols * t.byteSize();
            if (shared > Launch.MAX_DYNAMIC_SHARED) continue;
            if (blocks <= device.cooperativeBlocks(kernel, threads, (int) shared)) {
                return new RecurrencePlan(blocks, threads, cols, (int) shared);
            }
        }
        return null;
    }

    /**
     * Launches the persistent kernel {@code base}_fXX with {@code args} followed by the plan's
     * columns per block and a zeroed grid barrier (every kernel of persistent.cu ends with
     * (int cols, unsigned int* barrier)); false, launching nothing, where there is no plan.
     */
    private boolean persistent(String base, DType t, int gates, int batch, int hidden, KernelArgs args) {
        RecurrencePlan plan = persistentPlan(base, t, gates, batch, hidden);
        if (plan == null) return false;
        launchPersistent(kernel(base, t), plan, args);
        return true;
    }

    /** The plan for the persistent kernel {@code base}_fXX, or null where it cannot run. */
    private RecurrencePlan persistentPlan(String base, DType t, int gates, int batch, int hidden) {
        enter(); // the plan asks the driver about the kernel, in this backend's context
        return recurrencePlan(kernel(base, t), t, gates, batch, hidden);
    }

    private void launchPersistent(String name, RecurrencePlan plan, KernelArgs args) {
        DeviceAllocator.Block barrier = scratch(2 * Integer.BYTES);
        try {
            device.fill32(barrier.memory, 0, 0, 2);
            launch(new Launch(name, plan.blocks(), 1, plan.threads(), 1, plan.sharedBytes(),
                    args.i32(plan.cols()).ptr(barrier.memory, 0), true));
        } finally {
            allocator.release(barrier);
        }
    }

    /**
     * Runs a forward recurrence's persistent kernel, which reads the recurrent weight transposed
     * ([H, G H], each step's columns side by side): on a transposed copy of {@code whh} [G H, H],
     * made here on the device and given back once the launch is queued (the allocator hands it out
     * again only to later work on this stream). {@code args} takes the copy's pointer. False,
     * launching nothing, where there is no plan.
     */
    private boolean persistentForward(String base, DType t, int gates, int batch, int hidden, Buffer whh,
                                      Function<CudaBuffer, KernelArgs> args) {
        RecurrencePlan plan = persistentPlan(base, t, gates, batch, hidden);
        if (plan == null) return false;
        Buffer whhT = transposed(whh, gates * hidden, hidden);
        try {
            launchPersistent(kernel(base, t), plan, args.apply(cb(whhT)));
        } finally {
            release(whhT);
        }
        return true;
    }

    /**
     * batch * hidden, the elements of one state; refuses what neither path could run (fewer than
     * one step, negative sizes), checked here once for both.
     */
    private static long sequenceState(String primitive, int steps, int batch, int hidden) {
        if (steps < 1) throw new IllegalArgumentException(primitive + ": " + steps + " steps (at least 1)");
        return cellUnits(batch, hidden, primitive);
    }

    /**
     * Runs all {@code steps} timesteps in one cooperative launch where {@link #recurrencePlan}
     * allows, else one GEMM and one tanh per step as Backend's default does. So do the LSTM and GRU
     * sequences below.
     */
    @Override
    public void rnnTanhSequenceForward(Buffer h, Buffer whh, Buffer hInit, int steps, int batch, int hidden) {
        String p = "rnnTanhSequenceForward";
        long state = sequenceState(p, steps, batch, hidden);
        DType t = real(h, p);
        CudaBuffer H = cb(h, t, steps * state, p);
        cb(whh, t, (long) hidden * hidden, p);
        CudaBuffer I = hInit == null ? null : cb(hInit, t, state, p);
        // wick_rnn_tanh_forward_persistent_fXX(T* h, const T* whh_t, const T* h_init, int has_init, int steps,
        //     int batch, int hidden, int cols, unsigned int* barrier)
        if (!persistentForward("wick_rnn_tanh_forward_persistent", t, 1, batch, hidden, whh, W -> new KernelArgs().ptr(H)
                .ptr(W).ptr(I == null ? H : I).i32(I == null ? 0 : 1).i32(steps).i32(batch).i32(hidden))) {
            Backend.super.rnnTanhSequenceForward(h, whh, hInit, steps, batch, hidden);
        }
    }

    @Override
    public void rnnTanhSequenceBackward(Buffer h, Buffer whh, Buffer dh, int steps, int batch, int hidden) {
        String p = "rnnTanhSequenceBackward";
        long state = sequenceState(p, steps, batch, hidden);
        DType t = real(h, p);
        CudaBuffer H = cb(h, t, steps * state, p), W = cb(whh, t, (long) hidden * hidden, p);
        CudaBuffer D = cb(dh, t, steps * state, p);
        // wick_rnn_tanh_backward_persistent_fXX(const T* h, const T* whh, T* dh, int steps, int batch, int hidden,
        //     int cols, unsigned int* barrier)
        KernelArgs args = new KernelArgs().ptr(H).ptr(W).ptr(D).i32(steps).i32(batch).i32(hidden);
        if (!persistent("wick_rnn_tanh_backward_persistent", t, 1, batch, hidden, args)) {
            Backend.super.rnnTanhSequenceBackward(h, whh, dh, steps, batch, hidden);
        }
    }

    @Override
    public void lstmSequenceForward(Buffer gates, Buffer whh, Buffer hInit, boolean hInitZero, Buffer cInit, Buffer c,
                                    Buffer h, int steps, int batch, int hidden) {
        String p = "lstmSequenceForward";
        long state = sequenceState(p, steps, batch, hidden);
        DType t = real(gates, p);
        CudaBuffer G = cb(gates, t, 4 * steps * state, p);
        cb(whh, t, 4L * hidden * hidden, p);
        CudaBuffer HI = cb(hInit, t, state, p), CI = cb(cInit, t, state, p);
        CudaBuffer C = cb(c, t, steps * state, p), H = cb(h, t, steps * state, p);
        // wick_lstm_forward_persistent_fXX(T* gates, const T* whh_t, const T* h_init, int has_init, const T* c_init,
        //     T* c, T* h, int steps, int batch, int hidden, int cols, unsigned int* barrier)
        if (!persistentForward("wick_lstm_forward_persistent", t, 4, batch, hidden, whh, W -> new KernelArgs().ptr(G)
                .ptr(W).ptr(HI).i32(hInitZero ? 0 : 1).ptr(CI).ptr(C).ptr(H).i32(steps).i32(batch).i32(hidden))) {
            Backend.super.lstmSequenceForward(gates, whh, hInit, hInitZero, cInit, c, h, steps, batch, hidden);
        }
    }

    @Override
    public void lstmSequenceBackward(Buffer gates, Buffer whh, Buffer cInit, Buffer c, Buffer dh, Buffer dc,
                                     Buffer dGates, int steps, int batch, int hidden) {
        String p = "lstmSequenceBackward";
        long state = sequenceState(p, steps, batch, hidden);
        DType t = real(gates, p);
        CudaBuffer G = cb(gates, t, 4 * steps * state, p), W = cb(whh, t, 4L * hidden * hidden, p);
        CudaBuffer CI = cb(cInit, t, state, p), C = cb(c, t, steps * state, p);
        CudaBuffer DH = cb(dh, t, steps * state, p), DC = cb(dc, t, state, p), DG = cb(dGates, t, 4 * steps * state, p);
        // wick_lstm_backward_persistent_fXX(const T* gates, const T* whh, const T* c_init, const T* c, T* dh, T* dc,
        //     T* d_gates, int steps, int batch, int hidden, int cols, unsigned int* barrier)
        KernelArgs args = new KernelArgs().ptr(G).ptr(W).ptr(CI).ptr(C).ptr(DH).ptr(DC).ptr(DG).i32(steps).i32(batch)
                .i32(hidden);
        if (!persistent("wick_lstm_backward_persistent", t, 4, batch, hidden, args)) {
            Backend.super.lstmSequenceBackward(gates, whh, cInit, c, dh, dc, dGates, steps, batch, hidden);
        }
    }

    @Override
    public void gruSequenceForward(Buffer gi, Buffer gh, Buffer whh, Buffer hInit, boolean hInitZero, Buffer h,
                                   int steps, int batch, int hidden) {
        String p = "gruSequenceForward";
        long state = sequenceState(p, steps, batch, hidden);
        DType t = real(gi, p);
        CudaBuffer I = cb(gi, t, 3 * steps * state, p), K = cb(gh, t, 3 * steps * state, p);
        cb(whh, t, 3L * hidden * hidden, p);
        CudaBuffer HI = cb(hInit, t, state, p), H = cb(h, t, steps * state, p);
        // wick_gru_forward_persistent_fXX(T* gi, T* gh, const T* whh_t, const T* h_init, int has_init, T* h,
        //     int steps, int batch, int hidden, int cols, unsigned int* barrier)
        if (!persistentForward("wick_gru_forward_persistent", t, 3, batch, hidden, whh, W -> new KernelArgs().ptr(I)
                .ptr(K).ptr(W).ptr(HI).i32(hInitZero ? 0 : 1).ptr(H).i32(steps).i32(batch).i32(hidden))) {
            Backend.super.gruSequenceForward(gi, gh, whh, hInit, hInitZero, h, steps, batch, hidden);
        }
    }

    @Override
    public void gruSequenceBackward(Buffer gates, Buffer gh, Buffer whh, Buffer hInit, Buffer h, Buffer dh, Buffer dGi,
                                    Buffer dGh, Buffer dhInit, int steps, int batch, int hidden) {
        String p = "gruSequenceBackward";
        long state = sequenceState(p, steps, batch, hidden);
        DType t = real(gates, p);
        CudaBuffer G = cb(gates, t, 3 * steps * state, p), K = cb(gh, t, 3 * steps * state, p);
        CudaBuffer W = cb(whh, t, 3L * hidden * hidden, p), HI = cb(hInit, t, state, p), H = cb(h, t, steps * state, p);
        CudaBuffer DH = cb(dh, t, steps * state, p), DI = cb(dGi, t, 3 * steps * state, p);
        CudaBuffer DK = cb(dGh, t, 3 * steps * state, p), DHI = cb(dhInit, t, state, p);
        // wick_gru_backward_persistent_fXX(const T* gates, const T* gh, const T* whh, const T* h_init, const T* h,
        //     T* dh, T* d_gi, T* d_gh, T* dh_init, int steps, int batch, int hidden, int cols, unsigned int* barrier)
        KernelArgs args = new KernelArgs().ptr(G).ptr(K).ptr(W).ptr(HI).ptr(H).ptr(DH).ptr(DI).ptr(DK).ptr(DHI)
                .i32(steps).i32(batch).i32(hidden);
        if (!persistent("wick_gru_backward_persistent", t, 3, batch, hidden, args)) {
            Backend.super.gruSequenceBackward(gates, gh, whh, hInit, h, dh, dGi, dGh, dhInit, steps, batch, hidden);
        }
    }

    // ---- loss -----------------------------------------------------------------------------------

    @Override
    public void softmaxCrossEntropy(Buffer logits, Buffer targets, int rows, int cols, int ignoreIndex, Buffer loss,
                                    Buffer dLogits) {
        DType t = real(logits, "softmaxCrossEntropy");
        long cells = (long) rows * cols;
        CudaBuffer X = cb(logits, t, cells, "softmaxCrossEntropy");
        CudaBuffer T = cb(targets, DType.INT32, rows, "softmaxCrossEntropy");
        CudaBuffer L = cb(loss, t, 1, "softmaxCrossEntropy");
        CudaBuffer G = cb(dLogits, t, cells, "softmaxCrossEntropy");
        if (rows == 0) { // no rows, so none that counts: the mean is NaN, as on the CPU
            fill(L, Double.NaN, 1);
            return;
        }
        enter();
        int rowsWithLoss = cols == 0 ? 0 : rows; // with no classes every target must be ignored
        DeviceAllocator.Block count = scratch(Integer.BYTES);
        DeviceAllocator.Block rowLoss = scratch((long) Math.max(1, rowsWithLoss) * t.byteSize());
        try {
            // wick_count_not_ignored(const int* targets, int rows, int ignore_index, int* count): 1 block
            launch(Launch.of("wick_count_not_ignored", 1, THREADS,
                    new KernelArgs().ptr(T).i32(rows).i32(ignoreIndex).ptr(count.memory, 0)));
            if (rowsWithLoss > 0) {
                // wick_softmax_ce_rows_fXX(const T* logits, const int* targets, int rows, int cols,
                //                          int ignore_index, const int* count, T* row_loss, T* d_logits)
                launch(Launch.of(kernel("wick_softmax_ce_rows", t), Math.min(rows, MAX_ROW_BLOCKS), rowThreads(cols),
                        new KernelArgs().ptr(X).ptr(T).i32(rows).i32(cols).i32(ignoreIndex).ptr(count.memory, 0)
                                .ptr(rowLoss.memory, 0).ptr(G)));
            }
            // wick_softmax_ce_loss_fXX(const T* row_loss, int rows, const int* count, T* loss): 1 block
            launch(Launch.of(kernel("wick_softmax_ce_loss", t), 1, THREADS,
                    new KernelArgs().ptr(rowLoss.memory, 0).i32(rowsWithLoss).ptr(count.memory, 0).ptr(L)));
        } finally {
            allocator.release(rowLoss);
            allocator.release(count);
        }
    }

    // ---- in-place updates --------------------------------------------------------------------------

    @Override
    public void axpy(double alpha, Buffer x, Buffer y, int length) {
        DType t = real(x, "axpy");
        CudaBuffer X = cb(x, t, length, "axpy"), Y = cb(y, t, length, "axpy");
        if (length == 0) return;
        enter();
        // wick_axpy_fXX(T alpha, const T* x, T* y, int n)
        launch(Launch.of(kernel("wick_axpy", t), blocks(length), THREADS,
                new KernelArgs().real(t, alpha).ptr(X).ptr(Y).i32(length)));
    }

    // ---- reductions ------------------------------------------------------------------------------

    @Override
    public void squaredNorm(Buffer x, Buffer out, int length) {
        DType t = real(x, "squaredNorm");
        CudaBuffer X = cb(x, t, length, "squaredNorm"), O = cb(out, t, 1, "squaredNorm");
        if (length == 0) {
            fill(O, 0, 1);
            return;
        }
        enter();
        int parts = (int) Math.min(REDUCE_BLOCKS, (length + (long) THREADS - 1) / THREADS);
        DeviceAllocator.Block partial = scratch((long) parts * Double.BYTES);
        try {
            // wick_squared_norm_partial_fXX(const T* x, int n, double* partial): parts blocks
            launch(Launch.of(kernel("wick_squared_norm_partial", t), parts, THREADS,
                    new KernelArgs().ptr(X).i32(length).ptr(partial.memory, 0)));
            // wick_sum_partials_fXX(const double* partial, int parts, T* out): 1 block
            launch(Launch.of(kernel("wick_sum_partials", t), 1, THREADS,
                    new KernelArgs().ptr(partial.memory, 0).i32(parts).ptr(O)));
        } finally {
            allocator.release(partial);
        }
    }

    // ---- row-sparse gradients (sparse.cu) ------------------------------------------------------------

    @Override
    public void coalesceRows(Buffer indices, Buffer src, int count, int rowLength, int skipIndex, Buffer rows,
                             Buffer values, Buffer nnz) {
        DType t = real(src, "coalesceRows");
        long cells = (long) count * rowLength;
        CudaBuffer ix = cb(indices, DType.INT32, count, "coalesceRows"), S = cb(src, t, cells, "coalesceRows");
        CudaBuffer R = cb(rows, DType.INT32, count, "coalesceRows"), V = cb(values, t, cells, "coalesceRows");
        CudaBuffer N = cb(nnz, DType.INT32, 1, "coalesceRows");
        if (count == 0) {
            fill(N, 0, 1);
            return;
        }
        if (count > 1 << 30) {
            throw new UnsupportedOperationException("coalesceRows of " + count + " indices (at most 2^30 on CUDA)");
        }
        enter();
        DeviceAllocator.Block keys = sortedKeys(ix, count, skipIndex);
        DeviceAllocator.Block starts = scratch((long) count * Integer.BYTES);
        try {
            // wick_sparse_run_starts(const unsigned long long* keys, int count, int* starts, int* nnz):
            // one block of 1024 threads
            launch(Launch.of("wick_sparse_run_starts", 1, SORT_THREADS,
                    new KernelArgs().ptr(keys.memory, 0).i32(count).ptr(starts.memory, 0).ptr(N)));
            // wick_sparse_sum_runs_fXX(const unsigned long long* keys, const int* starts, const int* nnz,
            //                          const T* src, int count, int row_length, int* rows, T* values)
            launch(Launch.of(kernel("wick_sparse_sum_runs", t), Math.min(count, MAX_ROW_BLOCKS),
                    rowThreads(Math.max(1, rowLength)), new KernelArgs().ptr(keys.memory, 0).ptr(starts.memory, 0)
                            .ptr(N).ptr(S).i32(count).i32(rowLength).ptr(R).ptr(V)));
        } finally {
            allocator.release(starts);
            allocator.release(keys);
        }
    }

    @Override
    public void sparseSgdUpdate(Buffer param, Buffer rows, Buffer values, int capacity, int rowLength, Buffer lr,
                                double weightDecay) {
        DType t = real(param, "sparseSgdUpdate");
        long cells = (long) capacity * rowLength;
        CudaBuffer P = cb(param, t, 0, "sparseSgdUpdate"), R = cb(rows, DType.INT32, capacity, "sparseSgdUpdate");
        CudaBuffer G = cb(values, t, cells, "sparseSgdUpdate");
        CudaBuffer L = cb(lr, DType.FLOAT64, 1, "sparseSgdUpdate's learning rate");
        if (cells == 0) return;
        enter();
        // wick_sparse_sgd_fXX(T* p, const int* rows, const T* values, int n, int row_length, const double* lr, T wd)
        launch(Launch.of(kernel("wick_sparse_sgd", t), blocks(cells), THREADS, new KernelArgs().ptr(P).ptr(R).ptr(G)
                .i32((int) cells).i32(rowLength).ptr(L).real(t, weightDecay)));
    }

    @Override
    public void sparseAdamUpdate(Buffer param, Buffer rows, Buffer values, Buffer m, Buffer v, int capacity,
                                 int rowLength, Buffer scalars, double beta1, double beta2, double eps) {
        DType t = real(param, "sparseAdamUpdate");
        long cells = (long) capacity * rowLength;
        CudaBuffer P = cb(param, t, 0, "sparseAdamUpdate"), R = cb(rows, DType.INT32, capacity, "sparseAdamUpdate");
        CudaBuffer G = cb(values, t, cells, "sparseAdamUpdate");
        CudaBuffer M = cb(m, t, P.length(), "sparseAdamUpdate"), V = cb(v, t, P.length(), "sparseAdamUpdate");
        CudaBuffer S = cb(scalars, DType.FLOAT64, 3, "sparseAdamUpdate's scalars");
        if (cells == 0) return;
        enter();
        // wick_sparse_adam_fXX(T* p, const int* rows, const T* grad, T* m, T* v, int n, int row_length,
        //                      const double* scalars, T beta1, T one_minus_beta1, T beta2, T one_minus_beta2, T eps)
        launch(Launch.of(kernel("wick_sparse_adam", t), blocks(cells), THREADS,
                new KernelArgs().ptr(P).ptr(R).ptr(G).ptr(M).ptr(V).i32((int) cells).i32(rowLength).ptr(S)
                        .real(t, beta1).real(t, 1 - beta1).real(t, beta2).real(t, 1 - beta2).real(t, eps)));
    }

    // ---- optimizers ------------------------------------------------------------------------------

    @Override
    public void sgdUpdate(Buffer param, Buffer grad, Buffer velocity, int length, Buffer lr, double momentum,
                          double weightDecay) {
        DType t = real(param, "sgdUpdate");
        CudaBuffer P = cb(param, t, length, "sgdUpdate"), G = cb(grad, t, length, "sgdUpdate");
        CudaBuffer V = velocity == null ? null : cb(velocity, t, length, "sgdUpdate");
        CudaBuffer L = cb(lr, DType.FLOAT64, 1, "sgdUpdate's learning rate");
        if (length == 0) return;
        enter();
        if (V == null) {
            // wick_sgd_fXX(T* p, const T* grad, int n, const double* lr, T wd)
            launch(Launch.of(kernel("wick_sgd", t), blocks(length), THREADS,
                    new KernelArgs().ptr(P).ptr(G).i32(length).ptr(L).real(t, weightDecay)));
        } else {
            // wick_sgd_momentum_fXX(T* p, const T* grad, T* velocity, int n, const double* lr, T momentum, T wd)
            launch(Launch.of(kernel("wick_sgd_momentum", t), blocks(length), THREADS,
                    new KernelArgs().ptr(P).ptr(G).ptr(V).i32(length).ptr(L).real(t, momentum)
                            .real(t, weightDecay)));
        }
    }

    @Override
    public void adamUpdate(Buffer param, Buffer grad, Buffer m, Buffer v, int length, Buffer scalars, double beta1,
                           double beta2, double eps, double weightDecay) {
        DType t = real(param, "adamUpdate");
        CudaBuffer P = cb(param, t, length, "adamUpdate"), G = cb(grad, t, length, "adamUpdate");
        CudaBuffer M = cb(m, t, length, "adamUpdate"), V = cb(v, t, length, "adamUpdate");
        CudaBuffer S = cb(scalars, DType.FLOAT64, 3, "adamUpdate's scalars");
        if (length == 0) return;
        enter();
        // wick_adam_fXX(T* p, const T* grad, T* m, T* v, int n, const double* scalars, T beta1, T one_minus_beta1,
        //               T beta2, T one_minus_beta2, T eps, T wd)
        launch(Launch.of(kernel("wick_adam", t), blocks(length), THREADS,
                new KernelArgs().ptr(P).ptr(G).ptr(M).ptr(V).i32(length).ptr(S).real(t, beta1).real(t, 1 - beta1)
                        .real(t, beta2).real(t, 1 - beta2).real(t, eps).real(t, weightDecay)));
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        try {
            device.makeCurrent();
            staging.close();
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            allocator.close();
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        try {
            device.close();
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "CudaBackend[" + description + "]";
    }
}
