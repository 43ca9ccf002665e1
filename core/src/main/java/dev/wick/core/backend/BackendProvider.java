package dev.wick.core.backend;

/**
 * Service interface (java.util.ServiceLoader) through which optional backends, such as CUDA in the
 * cuda-kernels module, make themselves known. Implementations must not touch native libraries in
 * their constructor: {@link #probe()} does that, once, catching every Throwable.
 */
public interface BackendProvider {
    /**
     * Short lower-case name: "cuda".
     *
     * @return the name
     */
    String name();

    /**
     * Checks driver and devices; never throws.
     *
     * @return whether the backend can run here, and why
     */
    Availability probe();

    /**
     * Opens the backend on device {@code index}; throws IllegalStateException naming the cause.
     *
     * @param index the device's ordinal
     * @return the backend, which the caller closes
     */
    Backend open(int index);
}
