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

    /** The logits of every position and the last hidden state (to carry into the next chunk, detached). */
    public record Output(Variable logits, Variable lastHidden) {
    }

    /** As a {@link LanguageModel}: the state is h [1, B, H]; there is no dropout, so the seed is unused. */
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

    @Override
    public int numLayers() {
        return 1;
    }

    @Override
    public boolean hasCellState() {
        return false;
    }

    /** There is no dropout: training and evaluation compute the same. */
    @Override
    public void setTraining(boolean training) {
    }

    @Override
    public boolean isTraining() {
        return true;
    }

    /** inputs INT32 [T, B]; h0 [B, H] or null for zeros. */
    public Output forward(Tensor inputs, Variable h0) {
        if (inputs.rank() != 2) {
            throw new IllegalArgumentException("CharRnn: inputs must be [T, B] token ids, got " + inputs.shape());
        }
        int steps = inputs.shape().dim(0), batch = inputs.shape().dim(1);
        Variable hs = F.rnnTanh(embedding.forward(inputs), h0, weightIH, weightHH, bias);
        Variable logits = head.forward(F.reshape(hs, steps * batch, hiddenSize()));
        return new Output(logits, RNN.lastHidden(hs));
    }

    /** Mean cross-entropy of the next-token predictions against targets INT32 [T * B] (or [T, B]). */
    public Variable loss(Tensor inputs, Tensor targets, Variable h0) {
        Tensor flat = targets.rank() == 1 ? targets : targets.reshape(targets.numel());
        return F.crossEntropy(forward(inputs, h0).logits(), flat);
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    public int embedSize() {
        return embedding.weight().shape().dim(1);
    }

    @Override
    public int hiddenSize() {
        return weightHH.shape().dim(0);
    }

    public Embedding embedding() {
        return embedding;
    }

    /** The RNN's input weight [H, E]. */
    public Variable weightIH() {
        return weightIH;
    }

    /** The RNN's recurrent weight [H, H]. */
    public Variable weightHH() {
        return weightHH;
    }

    /** The RNN's bias [H]. */
    public Variable bias() {
        return bias;
    }

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
