package dev.wick.lm.train;

/**
 * Training diverged: the loss or the gradient norm of a step, a validation loss, or a value the
 * model or the optimizer would save, is NaN or infinite. Nothing may be saved after it.
 */
public final class Divergence extends RuntimeException {
    private final int step;

    public Divergence(int step, String what) {
        super(what);
        this.step = step;
    }

    /** The step (counted from 1) whose loss, gradient or update was not finite. */
    public int step() {
        return step;
    }
}
