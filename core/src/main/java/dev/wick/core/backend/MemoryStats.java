package dev.wick.core.backend;

/**
 * Counters of a backend's caching allocator. {@code driverAllocations} counts real allocations
 * (cuMemAlloc on CUDA, new arrays on the CPU); in a steady-state training step it stops growing.
 *
 * @param bytesInUse bytes of the buffers handed out and not yet released
 * @param peakBytesInUse the most bytesInUse has been since the backend opened
 * @param bytesCached bytes of released buffers the allocator keeps for reuse
 * @param driverAllocations how many real allocations the allocator has made
 * @param driverFrees how many of them it has given back
 */
public record MemoryStats(long bytesInUse, long peakBytesInUse, long bytesCached,
                          long driverAllocations, long driverFrees) {
}
