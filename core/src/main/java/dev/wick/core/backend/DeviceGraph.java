package dev.wick.core.backend;

/**
 * Device work captured once and replayed: the same kernels with the same arguments on the same
 * memory, queued with one call instead of one per kernel. What changes from one replay to the next
 * lives in device memory that the host writes between replays (the inputs, the step's scalars).
 */
public interface DeviceGraph extends AutoCloseable {

    /** Queues the captured work once more, after everything queued before. */
    void replay();

    /** Frees the graph and returns the memory kept for it to its backend. */
    @Override
    void close();
}
