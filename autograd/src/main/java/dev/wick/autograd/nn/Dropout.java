package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.CounterRng;

/**
 * Inverted dropout as a layer (PyTorch's nn.Dropout): while training, each element is zeroed with
 * probability p and the rest scaled by 1 / (1 - p); in evaluation mode it is the identity. The
 * masks are a function of the seed and the call count, so a run is reproducible; a trainer that
 * must resume mid-run passes its own per-step seed to {@link #forward(Variable, long)}.
 */
public final class Dropout extends AbstractModule implements Layer {
    private final double p;
    private final long seed;
    private long calls;

    /**
     * A dropout layer in training mode.
     *
     * @param p the probability that an element is zeroed, in [0, 1)
     * @param seed the first seed of the layer's sequence of masks
     * @throws IllegalArgumentException if p lies outside [0, 1) (or is NaN)
     */
    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout must lie in [0, 1), got " + p);
        this.p = p;
        this.seed = seed;
    }

    /** With the next mask of this layer's own sequence. */
    @Override
    public Variable forward(Variable x) {
        return forward(x, CounterRng.bits(seed, calls++));
    }

    /**
     * With the mask {@code maskSeed} gives (the same on every engine).
     *
     * @param x the input
     * @param maskSeed the mask's seed
     * @return the masked and scaled input while training; x itself in evaluation mode
     */
    public Variable forward(Variable x, long maskSeed) {
        return F.dropout(x, p, isTraining(), maskSeed);
    }

    /**
     * The probability that an element is zeroed while training.
     *
     * @return p, in [0, 1)
     */
    public double p() {
        return p;
    }
}
