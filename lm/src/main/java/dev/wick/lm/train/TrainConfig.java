package dev.wick.lm.train;

/**
 * The hyperparameters that decide a training run's trajectory: with the same text and the same
 * config, two runs (or a run and its resumption) compute the same losses. Everything here is
 * saved in the checkpoint and must match on --resume.
 */
public record TrainConfig(int embed, int hidden, int seq, int batch, double lr, double clip, long seed,
                          double valFraction) {

    public TrainConfig {
        requirePositive("--embed", embed);
        requirePositive("--hidden", hidden);
        requirePositive("--seq", seq);
        requirePositive("--batch", batch);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (!(clip >= 0) || Double.isInfinite(clip)) {
            throw new IllegalArgumentException("--clip must be >= 0 (0 turns clipping off), got " + clip);
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException("--val-fraction must lie in [0, 1), got " + valFraction);
        }
    }

    static void requirePositive(String option, long value) {
        if (value <= 0) throw new IllegalArgumentException(option + " must be > 0, got " + value);
    }

    /** Characters one training step reads: every stream needs seq inputs plus one more target. */
    public long minimumTrainingCharacters() {
        return (long) batch * (seq + 1);
    }
}
