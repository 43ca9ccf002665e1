package dev.wick.autograd;

import dev.wick.autograd.nn.Embedding;
import dev.wick.autograd.nn.Linear;
import dev.wick.autograd.nn.RNN;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Embedding -> tanh RNN -> linear, the shape of Wick's language models, for tests. */
final class TinyModel implements AutoCloseable {
    final Embedding embedding;
    final RNN rnn;
    final Linear head;
    final int vocab;

    TinyModel(Engine e, DType dtype, int vocab, int embed, int hidden, long seed) {
        this.vocab = vocab;
        embedding = new Embedding(e, dtype, vocab, embed, seed);
        rnn = new RNN(e, dtype, embed, hidden, seed + 1);
        head = new Linear(e, dtype, hidden, vocab, seed + 2);
    }

    List<Variable> parameters() {
        List<Variable> p = new ArrayList<>(embedding.parameters());
        p.addAll(rnn.parameters());
        p.addAll(head.parameters());
        return p;
    }

    /** inputs [T, B] -> mean cross-entropy against targets [T * B]. */
    Variable loss(Tensor inputs, Tensor targets) {
        int steps = inputs.shape().dim(0), batch = inputs.shape().dim(1);
        Variable hs = rnn.forward(embedding.forward(inputs), null);
        Variable logits = head.forward(F.reshape(hs, steps * batch, rnn.hiddenSize()));
        return F.crossEntropy(logits, targets);
    }

    @Override
    public void close() {
        embedding.close();
        rnn.close();
        head.close();
    }
}
