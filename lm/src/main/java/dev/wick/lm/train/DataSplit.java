package dev.wick.lm.train;

/**
 * How a text of {@code tokens} tokens is divided: the first part trains, the last
 * {@code valFraction} validates. Built before anything else happens, so a text too short for the
 * requested sizes is refused with a message that says what would fit.
 */
public record DataSplit(int tokens, int trainTokens, int validationTokens) {

    public static DataSplit of(int tokens, TrainConfig config) {
        String unit = config.tokenization().kind().plural();
        if (tokens == 0) throw new IllegalArgumentException("the text is empty");
        int validation = (int) Math.floor(tokens * config.valFraction());
        int train = tokens - validation;
        long needed = config.minimumTrainingTokens();
        if (train < needed) {
            throw new IllegalArgumentException("the text is too short: " + train + " training " + unit
                    + (validation > 0 ? " (after holding out " + validation + " for validation)" : "")
                    + ", but one batch needs --batch " + config.batch() + " x (--seq " + config.seq() + " + 1) = "
                    + needed + "; use a longer text or a smaller --batch or --seq");
        }
        if (config.valFraction() > 0 && validation < 2) {
            throw new IllegalArgumentException("the validation split is too small: --val-fraction " + config.valFraction()
                    + " of " + tokens + " " + unit + " leaves " + validation + " (at least 2 are needed); raise it or use 0");
        }
        return new DataSplit(tokens, train, validation);
    }

    /** Steps that read every training stream once: chunks of seq inputs (plus one target) per stream. */
    public int stepsPerEpoch(TrainConfig config) {
        return (trainTokens / config.batch() - 1) / config.seq();
    }

    public boolean hasValidation() {
        return validationTokens > 0;
    }

    /** Evaluation streams for the validation split: as many as the training uses, fewer if the split is small. */
    public int validationStreams(int batch) {
        return Math.max(1, Math.min(batch, validationTokens / 2));
    }
}
