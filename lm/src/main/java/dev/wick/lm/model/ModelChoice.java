package dev.wick.lm.model;

import dev.wick.autograd.nn.RnnLanguageModel.Cell;

import java.util.Locale;

/**
 * The model options of a run apart from its sizes: architecture, cell, layers, dropout between
 * (and around) them, weight tying, a row-sparse embedding gradient. Validated together with the sizes by {@link ModelShape}.
 */
public record ModelChoice(String architecture, Cell cell, int layers, double dropout, boolean tied,
                          boolean sparseEmbedding) {
    /** The one-layer tanh CharRnn of checkpoints written before there were other cells. */
    public static final ModelChoice CHAR_RNN = new ModelChoice(ModelShape.CHAR_RNN, Cell.TANH, 1, 0.0, false, false);

    /** A new run's model: RnnLanguageModel. */
    public static ModelChoice of(Cell cell, int layers, double dropout, boolean tied, boolean sparseEmbedding) {
        return new ModelChoice(ModelShape.RNN_LM, cell, layers, dropout, tied, sparseEmbedding);
    }

    public ModelShape shape(int vocab, int embed, int hidden) {
        return new ModelShape(architecture, cell, vocab, embed, hidden, layers, dropout, tied, sparseEmbedding);
    }

    /** "tanh", "lstm" or "gru", as --cell spells it. */
    public static String name(Cell cell) {
        return cell.name().toLowerCase(Locale.ROOT);
    }

    /** The cell --cell names; IllegalArgumentException for anything else. */
    public static Cell parseCell(String name) {
        for (Cell c : Cell.values()) {
            if (name(c).equals(name)) return c;
        }
        throw new IllegalArgumentException("--cell must be tanh, lstm or gru, got " + name);
    }
}
