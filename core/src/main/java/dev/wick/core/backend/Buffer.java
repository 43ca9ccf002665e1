package dev.wick.core.backend;

import dev.wick.core.DType;

/**
 * A run of elements in one backend's memory. Owning buffers come from {@link Backend#allocate} and
 * go back with {@link Backend#release}; a {@link #slice} is a view into its parent that is never
 * released on its own. Each backend accepts only its own buffers.
 */
public interface Buffer {
    DType dtype();

    /** Number of elements (not bytes). */
    int length();

    /** A view of {@code length} elements starting {@code offset} elements in; shares memory. */
    Buffer slice(int offset, int length);
}
