package dev.wick.cuda;

import dev.wick.core.backend.MemoryStats;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A caching allocator of device memory. Requests are rounded up to a size class (powers of two
 * split in quarters, at least 512 bytes, so at most a quarter is wasted) and freed blocks wait in a
 * free list per class for the next request of that class: once a training step has run, the next
 * ones find every block they need in the cache and make no cuMemAlloc call. Blocks are reused in
 * stream order (every kernel runs on the one stream), so a block released while a queued kernel
 * still reads it is safe to hand out again: the next user's work is queued after that kernel.
 *
 * <p>A captured graph replays on the memory its capture used, at times the allocator does not see,
 * so what a capture allocates is kept for its graph ({@link GraphPool}): released, such a block goes
 * back to the pool, where only the same capture may take it again (its later kernels are recorded
 * after the earlier ones, so stream order holds within a replay too), never to the shared cache,
 * until the graph is closed.
 */
final class DeviceAllocator {
    static final long MIN_CLASS = 512;

    /** One device allocation, of exactly its class size. */
    static final class Block {
        final DeviceMemory memory;
        final long bytes;
        private boolean live;
        /** The graph this block is kept for, or null. */
        private GraphPool pool;

        private Block(DeviceMemory memory, long bytes) {
            this.memory = memory;
            this.bytes = bytes;
        }

        /** False once released back to the cache (or freed): its buffers must not be used. */
        synchronized boolean live() {
            return live;
        }

        private synchronized void setLive(boolean value) {
            live = value;
        }
    }

    /** The memory a captured graph uses: what its capture allocated, live or released. */
    static final class GraphPool {
        private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
        private final Set<Block> blocks = Collections.newSetFromMap(new IdentityHashMap<>());
        private boolean closed;

        /** Blocks kept for the graph. */
        int blocks() {
            return blocks.size();
        }
    }

    private final DeviceApi device;
    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private final Set<GraphPool> pools = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The pool of the capture under way, or null. */
    private GraphPool capturing;
    private final Set<Block> inUse = Collections.newSetFromMap(new IdentityHashMap<>());
    private long bytesInUse, peakBytesInUse, bytesCached, driverAllocations, driverFrees;

    DeviceAllocator(DeviceApi device) {
        this.device = device;
    }

    /** The size class of a request: {@code bytes} rounded up to a quarter of its power of two. */
    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation: " + bytes + " bytes");
        long b = Math.max(bytes, MIN_CLASS);
        long top = Long.highestOneBit(b);
        if (top == b) return b;
        long step = top / 4;
        return (b + step - 1) / step * step;
    }

    synchronized Block allocate(long bytes) {
        long size = sizeClass(bytes);
        if (capturing != null) {
            ArrayDeque<Block> own = capturing.free.get(size);
            if (own != null && !own.isEmpty()) { // counted in use since the capture first took it
                Block block = own.pop();
                block.setLive(true);
                inUse.add(block);
                return block;
            }
        }
        ArrayDeque<Block> cached = free.get(size);
        Block block;
        if (cached != null && !cached.isEmpty()) {
            block = cached.pop();
            bytesCached -= size;
        } else {
            block = new Block(allocateFromDriver(size), size);
            driverAllocations++;
        }
        block.setLive(true);
        inUse.add(block);
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        if (capturing != null) {
            block.pool = capturing;
            capturing.blocks.add(block);
        }
        return block;
    }

    /** From now until {@link #endCapture}, what is allocated is kept for the graph being captured. */
    synchronized void beginCapture() {
        if (capturing != null) throw new IllegalStateException("a capture is already under way");
        capturing = new GraphPool();
        pools.add(capturing);
    }

    /** Ends the capture; its pool holds the graph's memory until {@link #closePool}. */
    synchronized GraphPool endCapture() {
        GraphPool pool = capturing;
        if (pool == null) throw new IllegalStateException("no capture under way");
        capturing = null;
        return pool;
    }

    /**
     * The graph is gone: its released blocks join the shared cache, and those still held will when
     * they are released. Nothing queued after this may use the graph's memory through the graph.
     */
    synchronized void closePool(GraphPool pool) {
        if (pool.closed) return;
        pool.closed = true;
        pools.remove(pool);
        for (ArrayDeque<Block> list : pool.free.values()) {
            for (Block b : list) {
                b.pool = null;
                bytesInUse -= b.bytes;
                free.computeIfAbsent(b.bytes, s -> new ArrayDeque<>()).push(b);
                bytesCached += b.bytes;
            }
        }
        pool.free.clear();
        for (Block b : pool.blocks) b.pool = null;
        pool.blocks.clear();
    }

    private DeviceMemory allocateFromDriver(long size) {
        try {
            return device.allocate(size);
        } catch (CudaException e) {
            if (!"CUDA_ERROR_OUT_OF_MEMORY".equals(e.result()) || bytesCached == 0) throw e;
            if (capturing != null) { // emptying the cache waits for the device, which a capture refuses
                throw new CudaException(e.result(), e.operation() + " during a graph capture (the cache, "
                        + bytesCached + " bytes, cannot be emptied while capturing); " + bytesInUse + " bytes in use", e);
            }
        }
        trim(); // the cache may hold enough memory in other size classes: give it back and retry once
        try {
            return device.allocate(size);
        } catch (CudaException e) {
            throw new CudaException(e.result(), e.operation() + " after emptying the cache; " + bytesInUse
                    + " bytes in use", e);
        }
    }

    synchronized void release(Block block) {
        if (!inUse.remove(block)) {
            throw new IllegalStateException("buffer released twice (or not allocated by this backend)");
        }
        block.setLive(false);
        if (block.pool == null && capturing != null) {
            // Allocated before the capture, released during it: the captured kernels may still use
            // it, so from now on it is the graph's too.
            block.pool = capturing;
            capturing.blocks.add(block);
        }
        if (block.pool != null) { // kept for its graph, still counted in use
            block.pool.free.computeIfAbsent(block.bytes, s -> new ArrayDeque<>()).push(block);
            return;
        }
        bytesInUse -= block.bytes;
        free.computeIfAbsent(block.bytes, s -> new ArrayDeque<>()).push(block);
        bytesCached += block.bytes;
    }

    /** Frees every cached block, after waiting for queued work that may still use one. */
    synchronized void trim() {
        if (bytesCached == 0) return;
        device.synchronize();
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) {
                device.free(b.memory);
                driverFrees++;
            }
        }
        free.clear();
        bytesCached = 0;
    }

    /** Frees everything, in use or cached; buffers still held become invalid. */
    synchronized void close() {
        RuntimeException first = null;
        try {
            device.synchronize();
        } catch (RuntimeException e) {
            first = e;
        }
        for (Block b : inUse) {
            b.setLive(false);
            first = freeQuietly(b, first);
        }
        for (ArrayDeque<Block> list : free.values()) {
            for (Block b : list) first = freeQuietly(b, first);
        }
        for (GraphPool pool : pools) {
            for (ArrayDeque<Block> list : pool.free.values()) {
                for (Block b : list) first = freeQuietly(b, first);
            }
            pool.free.clear();
            pool.blocks.clear();
            pool.closed = true;
        }
        pools.clear();
        capturing = null;
        inUse.clear();
        free.clear();
        bytesInUse = 0;
        bytesCached = 0;
        if (first != null) throw first;
    }

    private RuntimeException freeQuietly(Block b, RuntimeException first) {
        try {
            device.free(b.memory);
            driverFrees++;
            return first;
        } catch (RuntimeException e) {
            return first == null ? e : first;
        }
    }

    synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, peakBytesInUse, bytesCached, driverAllocations, driverFrees);
    }
}
