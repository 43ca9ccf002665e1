package dev.wick.core.backend;

/**
 * How a backend accumulates {@code table[idx[i]] += src[i]} when indices repeat.
 * ATOMIC is the fast default (on a GPU, float additions in whatever order threads arrive, so the
 * last bits may differ run to run); DETERMINISTIC sums each row's contributions in index order,
 * so results are bit-identical run to run. On the CPU both are deterministic.
 */
public enum ScatterMode {
    /** Additions in whatever order the threads arrive: fast; on a GPU the last bits may vary. */
    ATOMIC,
    /** Each row's contributions summed in index order: bit-identical run to run. */
    DETERMINISTIC
}
