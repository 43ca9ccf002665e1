package dev.wick.core;

import java.util.Arrays;

/**
 * A seed of the counter-based random numbers ({@link CounterRng}): a value the host knows, or a
 * 64-bit value in device memory that the host writes before each step, so that a step captured as
 * a device graph draws new numbers at every replay (dropout's masks). Either way {@link #derive}
 * gives the seed {@code CounterRng.bits(seed, counter)}, which for a seed in device memory is
 * computed where the numbers are drawn; both kinds give the same numbers for the same value.
 */
public final class Seed {
    /** The most derivations a seed in device memory carries to the kernels. */
    public static final int MAX_DERIVATIONS = 4;

    private final long value;
    private final Tensor cell;
    private final long[] counters;

    private Seed(long value, Tensor cell, long[] counters) {
        this.value = value;
        this.cell = cell;
        this.counters = counters;
    }

    /**
     * A seed known on the host.
     *
     * @param value the seed
     * @return the seed
     */
    public static Seed of(long value) {
        return new Seed(value, null, null);
    }

    /**
     * The seed held in {@code cell}, read where the random numbers are drawn.
     *
     * @param cell INT32 [2]: the seed's low 32 bits, then its high 32 bits (see {@link #write})
     * @return the seed
     */
    public static Seed inDevice(Tensor cell) {
        if (cell == null || cell.dtype() != DType.INT32 || cell.numel() != 2) {
            throw new IllegalArgumentException("a seed in device memory is an INT32 tensor of 2 elements, got "
                    + (cell == null ? null : cell.dtype() + " " + cell.shape()));
        }
        return new Seed(0, cell, new long[0]);
    }

    /**
     * Writes {@code value} into a seed's cell, from the host (before a step, or a graph's replay).
     *
     * @param cell INT32 [2]
     * @param value the seed
     */
    public static void write(Tensor cell, long value) {
        cell.copyFromInPlace(new int[]{(int) value, (int) (value >>> 32)});
    }

    /**
     * The seed {@code CounterRng.bits(this, counter)}.
     *
     * @param counter the position in this seed's stream
     * @return the derived seed
     * @throws IllegalStateException past {@link #MAX_DERIVATIONS} derivations of a seed in device memory
     */
    public Seed derive(long counter) {
        if (cell == null) return of(CounterRng.bits(value, counter));
        if (counters.length == MAX_DERIVATIONS) {
            throw new IllegalStateException("a seed in device memory carries at most " + MAX_DERIVATIONS + " derivations");
        }
        long[] more = Arrays.copyOf(counters, counters.length + 1);
        more[counters.length] = counter;
        return new Seed(0, cell, more);
    }

    /**
     * Whether the value lives in device memory (then see {@link #cell} and {@link #counters}).
     *
     * @return true for a seed in device memory
     */
    public boolean inDevice() {
        return cell != null;
    }

    /**
     * The value of a seed known on the host.
     *
     * @return the seed
     * @throws IllegalStateException for a seed in device memory
     */
    public long value() {
        if (cell != null) throw new IllegalStateException("the seed lives in device memory");
        return value;
    }

    /**
     * The cell of a seed in device memory.
     *
     * @return the INT32 [2] tensor, or null for a host seed
     */
    public Tensor cell() {
        return cell;
    }

    /**
     * The derivations applied to the cell's value.
     *
     * @return the counters, in order (a copy; empty for a host seed)
     */
    public long[] counters() {
        return counters == null ? new long[0] : counters.clone();
    }

    @Override
    public String toString() {
        return cell == null ? "Seed(" + value + ")" : "Seed(in device memory, derived by " + Arrays.toString(counters) + ")";
    }
}
