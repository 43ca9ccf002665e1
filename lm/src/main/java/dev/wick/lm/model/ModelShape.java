package dev.wick.lm.model;

import dev.wick.autograd.nn.CharRnn;
import dev.wick.autograd.nn.LanguageModel;
import dev.wick.autograd.nn.RnnLanguageModel;
import dev.wick.autograd.nn.RnnLanguageModel.Cell;
import dev.wick.core.DType;
import dev.wick.core.Engine;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What fixes a model's parameters (and so the checkpoint layout) and its forward pass: the
 * architecture, the cell, vocabulary V, embedding E, hidden H, layers L, dropout and weight tying.
 * Two architectures: {@link #RNN_LM}, autograd's {@link RnnLanguageModel} (every new run: any cell
 * and depth, PyTorch's parameter names), and {@link #CHAR_RNN}, autograd's {@link CharRnn}, the
 * one-layer tanh model of checkpoints written before there were other cells (loaded and resumed
 * as they were). Always float32.
 */
public record ModelShape(String architecture, Cell cell, int vocab, int embed, int hidden, int layers, double dropout,
                         boolean tied, boolean sparseEmbedding) {
    /** Embedding, a stack of tanh/LSTM/GRU layers, linear head (RnnLanguageModel). */
    public static final String RNN_LM = "rnn-lm";
    /** Embedding, one tanh layer with a single bias, linear head (CharRnn): checkpoints before the cells. */
    public static final String CHAR_RNN = "char-rnn-tanh";

    public ModelShape {
        if (!RNN_LM.equals(architecture) && !CHAR_RNN.equals(architecture)) {
            throw new IllegalArgumentException("unknown architecture " + architecture);
        }
        if (cell == null) throw new IllegalArgumentException("the cell is missing");
        if (vocab < 1 || embed < 1 || hidden < 1) {
            throw new IllegalArgumentException("model sizes must be > 0, got vocabulary " + vocab + ", embedding " + embed
                    + ", hidden " + hidden);
        }
        if (layers < 1) throw new IllegalArgumentException("--layers must be > 0, got " + layers);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must lie in [0, 1), got " + dropout);
        if (tied && embed != hidden) {
            throw new IllegalArgumentException("--tie-weights needs --embed equal to --hidden (got " + embed + " and " + hidden + ")");
        }
        if (tied && sparseEmbedding) {
            throw new IllegalArgumentException("--sparse-embedding and --tie-weights exclude each other: the output layer's"
                    + " dense gradient would make the shared table's gradient dense");
        }
        if (CHAR_RNN.equals(architecture) && (cell != Cell.TANH || layers != 1 || dropout != 0 || tied || sparseEmbedding)) {
            throw new IllegalArgumentException(CHAR_RNN + " is one tanh layer without dropout, tying or a sparse embedding");
        }
    }

    /** The model of a new run. */
    public static ModelShape of(Cell cell, int vocab, int embed, int hidden, int layers, double dropout, boolean tied,
                                boolean sparseEmbedding) {
        return new ModelShape(RNN_LM, cell, vocab, embed, hidden, layers, dropout, tied, sparseEmbedding);
    }

    /** The model of a checkpoint written before the cells: CharRnn. */
    public static ModelShape charRnn(int vocab, int embed, int hidden) {
        return new ModelShape(CHAR_RNN, Cell.TANH, vocab, embed, hidden, 1, 0.0, false, false);
    }

    /** Gates per cell: the rows of weight_ih per hidden unit. */
    private int gates() {
        return switch (cell) {
            case TANH -> 1;
            case LSTM -> 4;
            case GRU -> 3;
        };
    }

    /** Every parameter's checkpoint name and shape, in the model's order. */
    public Map<String, int[]> parameterShapes() {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("embedding.weight", new int[]{vocab, embed});
        if (CHAR_RNN.equals(architecture)) {
            m.put("rnn.weight_ih", new int[]{hidden, embed});
            m.put("rnn.weight_hh", new int[]{hidden, hidden});
            m.put("rnn.bias", new int[]{hidden});
        } else {
            int g = gates() * hidden;
            for (int k = 0; k < layers; k++) {
                m.put("rnn.weight_ih_l" + k, new int[]{g, k == 0 ? embed : hidden});
                m.put("rnn.weight_hh_l" + k, new int[]{g, hidden});
                m.put("rnn.bias_ih_l" + k, new int[]{g});
                m.put("rnn.bias_hh_l" + k, new int[]{g});
            }
        }
        if (!tied) m.put("head.weight", new int[]{vocab, hidden});
        m.put("head.bias", new int[]{vocab});
        return m;
    }

    /** The carried state's shape for {@code batch} streams: [B, H] for CharRnn's checkpoints, else [L, B, H]. */
    public int[] stateShape(int batch) {
        return CHAR_RNN.equals(architecture) ? new int[]{batch, hidden} : new int[]{layers, batch, hidden};
    }

    /** Whether the carried state has a cell part (an LSTM's c). */
    public boolean hasCellState() {
        return cell == Cell.LSTM;
    }

    /** Number of trainable values. */
    public long parameterCount() {
        return parameterShapes().values().stream().mapToLong(s -> Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b))
                .sum();
    }

    /**
     * A freshly initialised model on {@code engine} (its parameters belong to the current scope:
     * create it outside per-step scopes). Checks that its parameters are the checkpoint layout.
     */
    public LanguageModel create(Engine engine, long seed) {
        LanguageModel model = CHAR_RNN.equals(architecture)
                ? new CharRnn(engine, DType.FLOAT32, vocab, embed, hidden, seed)
                : new RnnLanguageModel(engine, DType.FLOAT32,
                        new RnnLanguageModel.Config(cell, vocab, embed, hidden, layers, dropout, tied, sparseEmbedding), seed);
        Map<String, int[]> expected = parameterShapes();
        boolean same = model.namedParameters().keySet().equals(expected.keySet());
        for (var p : model.namedParameters().entrySet()) {
            same &= same && Arrays.equals(p.getValue().shape().dims(), expected.get(p.getKey()));
        }
        if (!same) {
            model.close();
            throw new IllegalStateException("the model's parameters " + model.namedParameters().keySet()
                    + " differ from the checkpoint layout " + expected.keySet());
        }
        return model;
    }
}
