package dev.wick.core.cpu;

import dev.wick.core.DType;
import dev.wick.core.backend.MemoryStats;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU backend's caching allocator. Released arrays go to a free list per (dtype, size class)
 * and serve later requests of that class, so a steady-state training loop creates no new arrays:
 * on these virtual machines the first touch of fresh memory costs microseconds per page, and the
 * JVM touches every page of a new array when it zeroes it.
 *
 * <p>A request of {@code length} elements is served by an array of {@link #capacityFor} elements
 * (at most 12.5% more), so that lengths that differ a little share a free list. Byte counts in the
 * statistics are those of the arrays (capacities). Thread-safe.
 */
final class CpuAllocator {
    /** HotSpot refuses arrays a few elements short of Integer.MAX_VALUE. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final Map<Long, ArrayDeque<Object>> free = new HashMap<>();
    private long bytesInUse;
    private long peakBytesInUse;
    private long bytesCached;
    private long allocations;
    private long frees;
    private boolean closed;

    /**
     * The size class of a request: exact up to 16 elements, then rounded up to a multiple of an
     * eighth of the largest power of two not above it.
     */
    static int capacityFor(int length) {
        if (length <= 16) return length;
        int granule = Integer.highestOneBit(length) >>> 3;
        long capacity = ((long) length + granule - 1) / granule * granule;
        return capacity > MAX_ARRAY_LENGTH ? length : (int) capacity;
    }

    CpuBuffer allocate(DType dtype, int length) {
        if (dtype == null) throw new IllegalArgumentException("dtype must not be null");
        if (length < 0) throw new IllegalArgumentException("cannot allocate a negative length: " + length);
        int capacity = capacityFor(length);
        long bytes = (long) capacity * dtype.byteSize();
        Object array;
        synchronized (this) {
            if (closed) throw new IllegalStateException("the CPU backend is closed");
            ArrayDeque<Object> list = free.get(key(dtype, capacity));
            array = list == null ? null : list.pollLast();
            if (array != null) {
                bytesCached -= bytes;
            } else {
                allocations++;
            }
            bytesInUse += bytes;
            peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        }
        if (array == null) {
            // Outside the lock: zeroing a large array must not stall other threads' allocations.
            array = newArrayOrTrim(dtype, capacity, bytes);
        }
        return new CpuBuffer(this, dtype, array, length);
    }

    private Object newArrayOrTrim(DType dtype, int capacity, long bytes) {
        try {
            return newArray(dtype, capacity);
        } catch (OutOfMemoryError first) {
            // The cache may be what fills the heap: give it back and try once more.
            trim();
            try {
                return newArray(dtype, capacity);
            } catch (OutOfMemoryError second) {
                synchronized (this) {
                    bytesInUse -= bytes;
                    allocations--;
                }
                throw second;
            }
        }
    }

    private static Object newArray(DType dtype, int capacity) {
        return switch (dtype) {
            case FLOAT32 -> new float[capacity];
            case FLOAT64 -> new double[capacity];
            case INT32 -> new int[capacity];
        };
    }

    void release(CpuBuffer buffer) {
        if (buffer.origin != this) {
            throw new IllegalArgumentException("buffer " + buffer + " belongs to another CPU backend");
        }
        if (!buffer.owning) {
            throw new IllegalArgumentException("cannot release a view " + buffer + "; release the buffer it was sliced from");
        }
        long bytes = capacityBytes(buffer);
        synchronized (this) {
            if (buffer.released) {
                throw new IllegalStateException("buffer " + buffer + " was already released");
            }
            buffer.released = true;
            bytesInUse -= bytes;
            if (closed) {
                frees++;
                return;
            }
            free.computeIfAbsent(key(buffer.dtype, capacity(buffer)), k -> new ArrayDeque<>()).addLast(buffer.array);
            bytesCached += bytes;
        }
    }

    synchronized MemoryStats stats() {
        return new MemoryStats(bytesInUse, peakBytesInUse, bytesCached, allocations, frees);
    }

    /** Drops every cached array (the garbage collector reclaims them). */
    synchronized void trim() {
        for (ArrayDeque<Object> list : free.values()) frees += list.size();
        free.clear();
        bytesCached = 0;
    }

    /** Drops the cache; later allocations fail, later releases drop their array. */
    synchronized void close() {
        trim();
        closed = true;
    }

    private static long key(DType dtype, int capacity) {
        return ((long) capacity << 2) | dtype.ordinal();
    }

    private static int capacity(CpuBuffer buffer) {
        return switch (buffer.dtype) {
            case FLOAT32 -> buffer.f().length;
            case FLOAT64 -> buffer.d().length;
            case INT32 -> buffer.i().length;
        };
    }

    private static long capacityBytes(CpuBuffer buffer) {
        return (long) capacity(buffer) * buffer.dtype.byteSize();
    }
}
