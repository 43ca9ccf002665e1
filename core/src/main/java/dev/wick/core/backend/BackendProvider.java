package dev.wick.core.backend;

/**
 * Service interface (java.util.ServiceLoader) through which optional backends, such as CUDA in the
 * cuda-kernels module, make themselves known. Implementations must not touch native libraries in
 * their constructor: {@link #probe()} does that, once, catching every Throwable.
 */
public interface BackendProvider {
    /** Short lower-case name: "cuda". */
    String name();

    /** Checks driver and devices; never throws. */
    Availability probe();

    /** Opens the backend on device {@code index}; throws IllegalStateException naming the cause. */
    Backend open(int index);
}
