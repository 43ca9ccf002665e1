package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The character-level language model Wick was built for: embedding -> tanh RNN -> linear head.
 * Inputs are time-major token ids [T, B]; the logits come out as [T * B, V], row t * B + b.
 * Parameter names (and so checkpoint names): embedding.weight [V, E], rnn.weight_ih [H, E],
 * rnn.weight_hh [H, H], rnn.bias [H], head.weight [V, H], head.bias [V].
 */
public final class CharRnn implements LanguageModel {
    private final Embedding embedding;
    private final Variable weightIH;
    private final Variable weightHH;
    private final Variable bias;
    private final Linear head;
    private final int vocab;

    /**
     * A model initialised as PyTorch's modules are: the embedding N(0, 1), the RNN and the head
     * U(-1/sqrt(H), 1/sqrt(H)).
     *
     * @param e the engine the parameters live on
     * @param dtype the parameters' floating dtype
     * @param vocab the vocabulary size V, at least 1
     * @param embed the embedding size E, at least 1
     * @param hidden the hidden size H, at least 1
     * @param seed the initialisation's seed
     * @throws IllegalArgumentException if a size is not positive
     */
    public CharRnn(Engine e, DType dtype, int vocab, int embed, int hidden, long seed) {
        this.vocab = vocab;
        this.embedding = new Embedding(e, dtype, vocab, embed, Init.subSeed(seed, 0));
        // One tanh layer with a single bias (PyTorch's two only ever appear summed). Its names are
        // wick-lm's checkpoint layout; RnnLanguageModel has PyTorch's names and more layers.
        Init.requirePositive("hidden size", hidden);
        long rnnSeed = Init.subSeed(seed, 1);
        double bound = 1.0 / Math.sqrt(hidden);
        this.weightIH = Init.uniformParameter("weight_ih", e, dtype, Init.subSeed(rnnSeed, 0), bound, hidden, embed);
        this.weightHH = Init.uniformParameter("weight_hh", e, dtype, Init.subSeed(rnnSeed, 1), bound, hidden, hidden);
        this.bias = Init.uniformParameter("bias", e, dtype, Init.subSeed(rnnSeed, 2), bound, hidden);
        this.head = new Linear(e, dtype, hidden, vocab, Init.subSeed(seed, 2));
    }

    /**
     * The logits of every position and the last hidden state (to carry into the next chunk, detached).
     *
     * @param logits the next-token scores, [T * B, V], row t * B + b
     * @param lastHidden the hidden state after the last timestep, [B, H]
     */
    public record Output(Variable logits, Variable lastHidden) {
    }

    /**
     * As a {@link LanguageModel}: the state is h [1, B, H]; there is no dropout, so the seed is unused.
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param state the previous chunk's state, h [1, B, H] without a cell part, or null for zeros
     * @param dropoutSeed unused
     * @return the logits [T * B, V] and the state h [1, B, H]
     * @throws IllegalArgumentException if inputs is not [T, B] or the state does not fit
     */
    @Override
    public LanguageModel.Output forward(Tensor inputs, Recurrent.State state, long dropoutSeed) {
        int batch = inputs.rank() == 2 ? inputs.shape().dim(1) : -1, hidden = hiddenSize();
        Variable h0 = null;
        if (state != null) {
            if (state.c() != null || !state.h().shape().equals(dev.wick.core.Shape.of(1, batch, hidden))) {
                throw new IllegalArgumentException("CharRnn: the state must be h [1, " + batch + ", " + hidden + "], got "
                        + state.h().shape() + (state.c() != null ? " with a cell state" : ""));
            }
            h0 = F.reshape(state.h(), batch, hidden);
        }
        Output out = forward(inputs, h0);
        return new LanguageModel.Output(out.logits(), new Recurrent.State(F.reshape(out.lastHidden(), 1, batch, hidden), null));
    }

    /**
     * As {@link #forward(Tensor, Recurrent.State, long)}: no dropout, so the seed, wherever it lives,
     * is unused.
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param state the previous chunk's state, h [1, B, H] without a cell part, or null for zeros
     * @param dropoutSeed unused
     * @return the logits [T * B, V] and the state h [1, B, H]
     */
    @Override
    public LanguageModel.Output forward(Tensor inputs, Recurrent.State state, dev.wick.core.Seed dropoutSeed) {
        return forward(inputs, state, 0L);
    }

    /**
     * One recurrent layer.
     *
     * @return 1
     */
    @Override
    public int numLayers() {
        return 1;
    }

    /**
     * A tanh RNN has no cell state.
     *
     * @return false
     */
    @Override
    public boolean hasCellState() {
        return false;
    }

    /**
     * There is no dropout: training and evaluation compute the same.
     *
     * @param training ignored
     */
    @Override
    public void setTraining(boolean training) {
    }

    /**
     * Always in training mode, which computes what evaluation would.
     *
     * @return true
     */
    @Override
    public boolean isTraining() {
        return true;
    }

    /**
     * inputs INT32 [T, B]; h0 [B, H] or null for zeros.
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param h0 the initial hidden state [B, H], or null for zeros
     * @return the logits [T * B, V] and the last hidden state [B, H]
     * @throws IllegalArgumentException if inputs is not [T, B] or h0 does not fit
     */
    public Output forward(Tensor inputs, Variable h0) {
        if (inputs.rank() != 2) {
            throw new IllegalArgumentException("CharRnn: inputs must be [T, B] token ids, got " + inputs.shape());
        }
        int steps = inputs.shape().dim(0), batch = inputs.shape().dim(1);
        Variable hs = F.rnnTanh(embedding.forward(inputs), h0, weightIH, weightHH, bias);
        Variable logits = head.forward(F.reshape(hs, steps * batch, hiddenSize()));
        return new Output(logits, RNN.lastHidden(hs));
    }

    /**
     * Mean cross-entropy of the next-token predictions against targets INT32 [T * B] (or [T, B]).
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param targets the next token of every position, INT32 [T * B] or [T, B] in [0, V)
     * @param h0 the initial hidden state [B, H], or null for zeros
     * @return the mean loss, a rank-0 variable
     */
    public Variable loss(Tensor inputs, Tensor targets, Variable h0) {
        Tensor flat = targets.rank() == 1 ? targets : targets.reshape(targets.numel());
        return F.crossEntropy(forward(inputs, h0).logits(), flat);
    }

    /**
     * The vocabulary size V.
     *
     * @return V
     */
    @Override
    public int vocabSize() {
        return vocab;
    }

    /**
     * The embedding size E.
     *
     * @return E
     */
    public int embedSize() {
        return embedding.weight().shape().dim(1);
    }

    /**
     * The hidden size H.
     *
     * @return H
     */
    @Override
    public int hiddenSize() {
        return weightHH.shape().dim(0);
    }

    /**
     * The token embedding, whose weight is "embedding.weight" [V, E].
     *
     * @return the embedding module
     */
    public Embedding embedding() {
        return embedding;
    }

    /**
     * The RNN's input weight [H, E].
     *
     * @return "rnn.weight_ih", a parameter
     */
    public Variable weightIH() {
        return weightIH;
    }

    /**
     * The RNN's recurrent weight [H, H].
     *
     * @return "rnn.weight_hh", a parameter
     */
    public Variable weightHH() {
        return weightHH;
    }

    /**
     * The RNN's bias [H].
     *
     * @return "rnn.bias", a parameter
     */
    public Variable bias() {
        return bias;
    }

    /**
     * The output layer, H to V, whose parameters are "head.weight" [V, H] and "head.bias" [V].
     *
     * @return the head
     */
    public Linear head() {
        return head;
    }

    @Override
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> m = new LinkedHashMap<>();
        embedding.namedParameters().forEach((k, v) -> m.put("embedding." + k, v));
        m.put("rnn.weight_ih", weightIH);
        m.put("rnn.weight_hh", weightHH);
        m.put("rnn.bias", bias);
        head.namedParameters().forEach((k, v) -> m.put("head." + k, v));
        return m;
    }
}
