package dev.wick.lm.train;

/**
 * Notices a loss that stays finite but far above what a model that knows nothing scores (ln V
 * nats per token, a uniform guess over V tokens): above twice that at {@link #PATIENCE} reports in
 * a row, the run has most likely blown up, though no NaN stops it. One report high is noise (an
 * unlucky chunk, a first step); a streak is not.
 */
final class ExplosionWatch {
    static final int PATIENCE = 3;
    private final double threshold;
    private int streak;

    ExplosionWatch(int vocabularySize) {
        this.threshold = 2 * Math.log(vocabularySize);
    }

    /** Twice the loss of a uniform guess: 2 ln V. */
    double threshold() {
        return threshold;
    }

    /** Counts one report; true exactly when this one completes a streak of {@link #PATIENCE} above the threshold. */
    boolean exploded(double loss) {
        if (!(loss > threshold)) {
            streak = 0;
            return false;
        }
        return ++streak == PATIENCE;
    }
}
