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

    /** With the mask {@code maskSeed} gives (the same on every engine). */
    public Variable forward(Variable x, long maskSeed) {
        return F.dropout(x, p, isTraining(), maskSeed);
    }

    public double p() {
        return p;
    }
}
