package dev.wick.autograd;

import dev.wick.autograd.nn.CharRnn;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

import java.util.List;

/** A small CharRnn with the test-friendly loss(inputs, targets) call. */
final class TinyModel implements AutoCloseable {
    final CharRnn model;

    TinyModel(Engine e, DType dtype, int vocab, int embed, int hidden, long seed) {
        model = new CharRnn(e, dtype, vocab, embed, hidden, seed);
    }

    List<Variable> parameters() {
        return model.parameters();
    }

    /** inputs [T, B] -> mean cross-entropy against targets [T * B]. */
    Variable loss(Tensor inputs, Tensor targets) {
        return model.loss(inputs, targets, null);
    }

    @Override
    public void close() {
        model.close();
    }
}
