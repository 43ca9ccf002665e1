package dev.wick.core.backend;

/**
 * Counters of a backend's caching allocator. {@code driverAllocations} counts real allocations
 * (cuMemAlloc on CUDA, new arrays on the CPU); in a steady-state training step it stops growing.
 */
public record MemoryStats(long bytesInUse, long peakBytesInUse, long bytesCached,
                          long driverAllocations, long driverFrees) {
}
