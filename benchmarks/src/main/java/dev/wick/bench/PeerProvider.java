package dev.wick.bench;

/**
 * A peer library's workloads, found through ServiceLoader. Only the peer build (-Ppeer) registers
 * one (PyTorch through DJL), so the default benchmarks jar carries no class that names DJL.
 */
public interface PeerProvider {

    /** Whether this provider implements the backend of that name ("pytorch-cpu", ...). */
    boolean provides(String backend);

    /** Opens the backend's workloads; throws IllegalStateException naming the cause. */
    Workloads open(String backend);
}
