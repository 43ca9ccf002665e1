package dev.wick.core;

/**
 * Counter-based random numbers: element i of a draw with seed s is a pure function of (s, i), so
 * every backend (and every thread) produces the same values for the same seed without sharing
 * state. The mix is SplitMix64's finaliser; the CUDA kernels implement the same formulas.
 */
public final class CounterRng {
    private CounterRng() {
    }

    /**
     * 64 well-mixed bits for (seed, counter).
     *
     * @param seed the stream
     * @param counter the position in the stream
     * @return the bits
     */
    public static long bits(long seed, long counter) {
        long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Uniform in [0, 1) with 53 random bits.
     *
     * @param seed the stream
     * @param i the position in the stream
     * @return a value in [0, 1)
     */
    public static double uniform(long seed, long i) {
        return (bits(seed, i) >>> 11) * 0x1.0p-53;
    }

    /**
     * Standard normal by Box-Muller over the counters 2i and 2i+1.
     *
     * @param seed the stream
     * @param i the position in the stream
     * @return a standard normal value
     */
    public static double normal(long seed, long i) {
        double u1 = ((bits(seed, 2 * i) >>> 11) + 1) * 0x1.0p-53; // (0, 1]: log is finite
        double u2 = (bits(seed, 2 * i + 1) >>> 11) * 0x1.0p-53;
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
