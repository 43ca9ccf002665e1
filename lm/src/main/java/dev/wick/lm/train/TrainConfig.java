package dev.wick.lm.train;

import dev.wick.lm.data.Tokenization;
import dev.wick.lm.model.ModelChoice;
import dev.wick.lm.model.ModelShape;

/**
 * The hyperparameters that decide a training run's trajectory: with the same text and the same
 * config, two runs (or a run and its resumption) compute the same losses. Everything here is
 * saved in the checkpoint and must match on --resume. {@code lr} is the initial learning rate;
 * after a validation that does not improve on the best so far it is divided by {@code anneal}
 * (1: never).
 */
public record TrainConfig(int embed, int hidden, int seq, int batch, double lr, double clip, long seed,
                          double valFraction, OptimizerKind optimizer, double anneal, Tokenization tokenization,
                          ModelChoice model) {

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
        if (optimizer == null) throw new IllegalArgumentException("the optimizer is missing");
        if (!(anneal >= 1) || Double.isInfinite(anneal)) {
            throw new IllegalArgumentException("--anneal must be >= 1 (1 keeps the learning rate), got " + anneal);
        }
        if (tokenization == null) throw new IllegalArgumentException("the tokenization is missing");
        if (model == null) throw new IllegalArgumentException("the model choice is missing");
        model.shape(1, embed, hidden); // checks the choice against the sizes (tying needs E = H)
    }

    /** As the run before there were cells to choose from: the one-layer tanh CharRnn. */
    public TrainConfig(int embed, int hidden, int seq, int batch, double lr, double clip, long seed, double valFraction,
                       OptimizerKind optimizer, double anneal, Tokenization tokenization) {
        this(embed, hidden, seq, batch, lr, clip, seed, valFraction, optimizer, anneal, tokenization, ModelChoice.CHAR_RNN);
    }

    /** The model this config trains over a vocabulary of {@code vocab} tokens. */
    public ModelShape shape(int vocab) {
        return model.shape(vocab, embed, hidden);
    }

    /** A character-level run with Adam at a constant learning rate: wick-lm's original configuration. */
    public TrainConfig(int embed, int hidden, int seq, int batch, double lr, double clip, long seed, double valFraction) {
        this(embed, hidden, seq, batch, lr, clip, seed, valFraction, OptimizerKind.ADAM, 1, Tokenization.CHARACTERS);
    }

    static void requirePositive(String option, long value) {
        if (value <= 0) throw new IllegalArgumentException(option + " must be > 0, got " + value);
    }

    /** Tokens one training step reads: every stream needs seq inputs plus one more target. */
    public long minimumTrainingTokens() {
        return (long) batch * (seq + 1);
    }
}
