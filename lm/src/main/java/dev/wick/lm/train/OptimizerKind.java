package dev.wick.lm.train;


import java.util.Locale;

/**
 * The optimizers wick-lm trains with, and the defaults that suit each: Adam as wick-lm always had
 * it, and plain SGD at a high learning rate with tight clipping and plateau annealing, as PyTorch's
 * word_language_model example trains (lr 20, clip 0.25, lr divided by 4 when validation stalls).
 */
public enum OptimizerKind {
    ADAM(2e-3, 5, 1),
    SGD(20, 0.25, 4);

    /** Adam's constants (PyTorch's defaults); saved in the checkpoint (which must hold these), never options. */
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8, WEIGHT_DECAY = 0.0;

    private final double defaultLr;
    private final double defaultClip;
    private final double defaultAnneal;

    OptimizerKind(double defaultLr, double defaultClip, double defaultAnneal) {
        this.defaultLr = defaultLr;
        this.defaultClip = defaultClip;
        this.defaultAnneal = defaultAnneal;
    }

    public double defaultLr() {
        return defaultLr;
    }

    public double defaultClip() {
        return defaultClip;
    }

    /** 1: the learning rate stays put. */
    public double defaultAnneal() {
        return defaultAnneal;
    }

    /** The value of --optimizer (and of the checkpoint's optimizer.type). */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named by an --optimizer value; IllegalArgumentException for any other value. */
    public static OptimizerKind parse(String value) {
        for (OptimizerKind k : values()) {
            if (k.toString().equals(value)) return k;
        }
        throw new IllegalArgumentException("--optimizer must be adam or sgd, got " + value);
    }
}
