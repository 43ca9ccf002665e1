package dev.wick.lm.train;

import dev.wick.core.CounterRng;

/**
 * The random numbers sampling draws: draw i is CounterRng's uniform for (seed, i), so the whole
 * state is two numbers that a checkpoint saves, and a run that is resumed draws what the
 * uninterrupted run would have drawn.
 */
public final class SamplingRng {
    private final long seed;
    private long counter;

    public SamplingRng(long seed, long counter) {
        if (counter < 0) throw new IllegalArgumentException("sampling counter must be >= 0, got " + counter);
        this.seed = seed;
        this.counter = counter;
    }

    /** The sampling stream of a training run with seed {@code trainingSeed}, before any draw. */
    public static SamplingRng forTraining(long trainingSeed) {
        return new SamplingRng(CounterRng.bits(trainingSeed, 3), 0);
    }

    public double nextUniform() {
        return CounterRng.uniform(seed, counter++);
    }

    public long seed() {
        return seed;
    }

    public long counter() {
        return counter;
    }
}
