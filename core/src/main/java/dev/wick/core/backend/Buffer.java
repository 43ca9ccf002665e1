package dev.wick.core.backend;

import dev.wick.core.DType;

/**
 * A run of elements in one backend's memory. Owning buffers come from {@link Backend#allocate} and
 * go back with {@link Backend#release}; a {@link #slice} is a view into its parent that is never
 * released on its own. Each backend accepts only its own buffers.
 */
public interface Buffer {
    /**
     * The element type the buffer holds.
     *
     * @return its dtype
     */
    DType dtype();

    /**
     * Number of elements (not bytes).
     *
     * @return the element count
     */
    int length();

    /**
     * A view of {@code length} elements starting {@code offset} elements in; shares memory.
     *
     * @param offset the first element, counted from this buffer's start
     * @param length the view's element count
     * @return the view
     */
    Buffer slice(int offset, int length);
}
