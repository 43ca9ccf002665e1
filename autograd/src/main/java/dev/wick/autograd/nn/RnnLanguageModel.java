package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.Seed;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A recurrent language model, the shape of PyTorch's examples/word_language_model: embedding ->
 * dropout -> a stack of tanh RNN, LSTM or GRU layers (dropout between them) -> dropout -> linear
 * head, optionally with the head's weight tied to the embedding (one tensor, its gradient the sum
 * of both uses). Inputs are time-major token ids [T, B]; logits come out as [T * B, V], row
 * t * B + b.
 *
 * <p>Parameter names (and so checkpoint names): embedding.weight [V, E], rnn.weight_ih_l0 ...
 * (PyTorch's, see {@link Recurrent}), head.weight [V, H] (absent when tied: it is
 * embedding.weight) and head.bias [V]. Untied, the embedding starts N(0, 1) and the head with
 * Linear's default, as PyTorch's modules do; tied, the shared weight starts U(-0.1, 0.1) and the
 * head's bias at zero, as the PyTorch example initialises them (an N(0, 1) output weight would
 * start with logits of magnitude sqrt(H)).
 */
public final class RnnLanguageModel implements LanguageModel {

    /** The recurrent cell of every layer. */
    public enum Cell {
        /** The tanh RNN cell ({@link RNN}). */
        TANH,
        /** The LSTM cell ({@link LSTM}), whose state has a cell part. */
        LSTM,
        /** The GRU cell ({@link GRU}). */
        GRU
    }

    /**
     * Everything that fixes the model's parameters and its forward pass. With
     * {@code sparseEmbedding} the embedding's gradient is row-sparse (PyTorch's sparse=True): train
     * it with Sgd or SparseAdam; it cannot be tied (the head's dense gradient would make it dense).
     *
     * @param cell the recurrent cell of every layer
     * @param vocab the vocabulary size V, at least 1
     * @param embed the embedding size E, at least 1
     * @param hidden the hidden size H, at least 1
     * @param layers the number of recurrent layers L, at least 1
     * @param dropout the probability of zeroing an activation while training, in [0, 1): after the embedding,
     *     between layers and before the head
     * @param tieWeights whether the head's weight is the embedding's (E must equal H)
     * @param sparseEmbedding whether the embedding's gradient is row-sparse (not with tied weights)
     */
    public record Config(Cell cell, int vocab, int embed, int hidden, int layers, double dropout, boolean tieWeights,
                         boolean sparseEmbedding) {
        /**
         * Checks the configuration.
         *
         * @param cell the recurrent cell; not null
         * @param vocab the vocabulary size V, at least 1
         * @param embed the embedding size E, at least 1
         * @param hidden the hidden size H, at least 1
         * @param layers the number of recurrent layers L, at least 1
         * @param dropout the dropout probability, in [0, 1)
         * @param tieWeights whether the head's weight is the embedding's
         * @param sparseEmbedding whether the embedding's gradient is row-sparse
         * @throws IllegalArgumentException if the cell is null, a size is not positive, dropout lies outside
         *     [0, 1), or the weights are tied with E != H or with a sparse embedding
         */
        public Config {
            if (cell == null) throw new IllegalArgumentException("cell must not be null");
            Init.requirePositive("vocabulary size", vocab);
            Init.requirePositive("embedding size", embed);
            Init.requirePositive("hidden size", hidden);
            Init.requirePositive("number of layers", layers);
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must lie in [0, 1), got " + dropout);
            if (tieWeights && embed != hidden) {
                throw new IllegalArgumentException("tied weights need the embedding size (" + embed + ") to equal the hidden size ("
                        + hidden + ")");
            }
            if (tieWeights && sparseEmbedding) {
                throw new IllegalArgumentException("a sparse embedding cannot be tied: the output layer's dense gradient would"
                        + " make its gradient dense");
            }
        }

        /**
         * With a dense embedding gradient.
         *
         * @param cell the recurrent cell of every layer
         * @param vocab the vocabulary size V, at least 1
         * @param embed the embedding size E, at least 1
         * @param hidden the hidden size H, at least 1
         * @param layers the number of recurrent layers L, at least 1
         * @param dropout the probability of zeroing an activation while training, in [0, 1)
         * @param tieWeights whether the head's weight is the embedding's (E must equal H)
         * @throws IllegalArgumentException if the configuration is not valid, as {@link Config} says
         */
        public Config(Cell cell, int vocab, int embed, int hidden, int layers, double dropout, boolean tieWeights) {
            this(cell, vocab, embed, hidden, layers, dropout, tieWeights, false);
        }

        /**
         * The char-RNN Wick started with: one tanh layer, no dropout, untied.
         *
         * @param vocab the vocabulary size V, at least 1
         * @param embed the embedding size E, at least 1
         * @param hidden the hidden size H, at least 1
         * @return the configuration
         * @throws IllegalArgumentException if a size is not positive
         */
        public static Config charRnn(int vocab, int embed, int hidden) {
            return new Config(Cell.TANH, vocab, embed, hidden, 1, 0.0, false);
        }
    }

    private final Config config;
    private final Variable embedding;
    private final Recurrent rnn;
    private final Variable headWeight;
    private final Variable headBias;
    private final Map<String, Variable> named;
    private boolean training = true;

    /**
     * A model with newly initialised parameters.
     *
     * @param e the engine the parameters live on
     * @param dtype the parameters' floating dtype
     * @param config the layers and sizes; not null
     * @param seed the initialisation's seed
     * @throws IllegalArgumentException if config is null
     */
    public RnnLanguageModel(Engine e, DType dtype, Config config, long seed) {
        if (config == null) throw new IllegalArgumentException("config must not be null");
        this.config = config;
        int v = config.vocab(), h = config.hidden();
        long rnnSeed = Init.subSeed(seed, 1);
        this.rnn = switch (config.cell()) {
            case TANH -> new RNN(e, dtype, config.embed(), h, config.layers(), true, config.dropout(), rnnSeed);
            case LSTM -> new LSTM(e, dtype, config.embed(), h, config.layers(), true, config.dropout(), rnnSeed);
            case GRU -> new GRU(e, dtype, config.embed(), h, config.layers(), true, config.dropout(), rnnSeed);
        };
        if (config.tieWeights()) {
            this.embedding = Init.uniformParameter("weight", e, dtype, Init.subSeed(seed, 0), 0.1, v, config.embed());
            this.headWeight = embedding;
            this.headBias = Variable.parameter("bias", e.zeros(dtype, v));
        } else {
            this.embedding = Init.normalParameter("weight", e, dtype, Init.subSeed(seed, 0), config.sparseEmbedding(), v, config.embed());
            double bound = 1.0 / Math.sqrt(h);
            this.headWeight = Init.uniformParameter("weight", e, dtype, Init.subSeed(seed, 2), bound, v, h);
            this.headBias = Init.uniformParameter("bias", e, dtype, Init.subSeed(seed, 3), bound, v);
        }
        Map<String, Variable> m = new LinkedHashMap<>();
        m.put("embedding.weight", embedding);
        rnn.namedParameters().forEach((k, p) -> m.put("rnn." + k, p));
        if (!config.tieWeights()) m.put("head.weight", headWeight);
        m.put("head.bias", headBias);
        this.named = java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public Output forward(Tensor inputs, Recurrent.State state, long dropoutSeed) {
        return forward(inputs, state, Seed.of(dropoutSeed));
    }

    @Override
    public Output forward(Tensor inputs, Recurrent.State state, Seed dropoutSeed) {
        if (inputs == null || inputs.rank() != 2) {
            throw new IllegalArgumentException("inputs must be [T, B] token ids, got " + (inputs == null ? null : inputs.shape()));
        }
        int steps = inputs.shape().dim(0), batch = inputs.shape().dim(1);
        double p = config.dropout();
        Variable looked = F.embedding(embedding, inputs, -1, config.sparseEmbedding());
        Variable x = F.dropout(looked, p, training, dropoutSeed.derive(0));
        Recurrent.Output out = rnn.forward(x, state, dropoutSeed.derive(1));
        Variable hs = F.dropout(out.output(), p, training, dropoutSeed.derive(2));
        Variable logits = F.linear(F.reshape(hs, steps * batch, config.hidden()), headWeight, headBias);
        return new Output(logits, out.state());
    }

    /**
     * Mean cross-entropy of the next-token predictions against targets INT32 [T * B] (or [T, B]).
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param targets the next token of every position, INT32 [T * B] or [T, B] in [0, V)
     * @param state the previous chunk's final state, or null for zeros
     * @param dropoutSeed the seed of this call's dropout masks
     * @return the mean loss, a rank-0 variable
     */
    public Variable loss(Tensor inputs, Tensor targets, Recurrent.State state, long dropoutSeed) {
        Tensor flat = targets.rank() == 1 ? targets : targets.reshape(targets.numel());
        return F.crossEntropy(forward(inputs, state, dropoutSeed).logits(), flat);
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
        rnn.setTraining(training);
    }

    @Override
    public boolean isTraining() {
        return training;
    }

    @Override
    public int vocabSize() {
        return config.vocab();
    }

    @Override
    public int hiddenSize() {
        return config.hidden();
    }

    @Override
    public int numLayers() {
        return config.layers();
    }

    @Override
    public boolean hasCellState() {
        return config.cell() == Cell.LSTM;
    }

    /**
     * The configuration the model was built with.
     *
     * @return the configuration
     */
    public Config config() {
        return config;
    }

    /**
     * The embedding table, "embedding.weight".
     *
     * @return the weight, [V, E]
     */
    public Variable embeddingWeight() {
        return embedding;
    }

    /**
     * The recurrent stack, whose parameters are named "rnn." + PyTorch's names.
     *
     * @return the stack
     */
    public Recurrent rnn() {
        return rnn;
    }

    /**
     * The head's weight [V, H]: the embedding's own tensor when the weights are tied.
     *
     * @return the weight, a parameter
     */
    public Variable headWeight() {
        return headWeight;
    }

    /**
     * The head's bias, "head.bias".
     *
     * @return the bias, [V]
     */
    public Variable headBias() {
        return headBias;
    }

    /** The recurrent stack, "rnn" (the embedding and the head are plain parameters here). */
    @Override
    public Map<String, Module> namedChildren() {
        return Map.of("rnn", rnn);
    }

    /** Every trainable tensor once: a tied weight appears as embedding.weight only. */
    @Override
    public Map<String, Variable> namedParameters() {
        return named;
    }
}
