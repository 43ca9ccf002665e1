package dev.wick.lm.train;

import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.LanguageModel;
import dev.wick.autograd.nn.Recurrent;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Tensor;

/**
 * The recurrent state carried from one chunk of the streams to the next (truncated
 * backpropagation through time): h [L, B, H], and c [L, B, H] for an LSTM. It lives outside the
 * per-step scopes; each step reads it as a constant and overwrites it with the step's final state
 * (only after the backward pass, which reads it).
 */
final class CarriedState implements AutoCloseable {
    private final Tensor h;
    private final Tensor c;

    CarriedState(Engine engine, LanguageModel model, int streams) {
        this.h = engine.zeros(DType.FLOAT32, model.numLayers(), streams, model.hiddenSize());
        this.c = model.hasCellState() ? engine.zeros(DType.FLOAT32, model.numLayers(), streams, model.hiddenSize()) : null;
    }

    /** The state as the model's input: constants, no gradient flows into them. */
    Recurrent.State asInput() {
        return new Recurrent.State(Variable.constant(h), c == null ? null : Variable.constant(c));
    }

    void copyFrom(Recurrent.State next) {
        h.copyFromInPlace(next.h().value());
        if (c != null) c.copyFromInPlace(next.c().value());
    }

    void zero() {
        h.zeroInPlace();
        if (c != null) c.zeroInPlace();
    }

    Tensor hidden() {
        return h;
    }

    /** The cell part, null but for an LSTM. */
    Tensor cell() {
        return c;
    }

    @Override
    public void close() {
        h.close();
        if (c != null) c.close();
    }
}
