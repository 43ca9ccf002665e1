package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

/**
 * A next-token model over time-major token ids: what a training loop, an evaluator or a sampler
 * needs to drive {@link RnnLanguageModel} and the original {@link CharRnn} alike. The state
 * carried between chunks is a {@link Recurrent.State}: h [L, B, H], and c [L, B, H] where
 * {@link #hasCellState()}.
 */
public interface LanguageModel extends Module {

    /** The logits [T * B, V] (row t * B + b) and every layer's final state. */
    record Output(Variable logits, Recurrent.State state) {
    }

    /**
     * inputs INT32 [T, B]; {@code state} from the previous chunk, or null for zeros. While training,
     * dropout masks (if the model has dropout) come from {@code dropoutSeed}.
     */
    Output forward(Tensor inputs, Recurrent.State state, long dropoutSeed);

    int vocabSize();

    int hiddenSize();

    /** Layers of recurrent state (L). */
    int numLayers();

    /** Whether the state has a cell part (an LSTM's c). */
    boolean hasCellState();

    /** Dropout applies only while training (the default, as in PyTorch). */
    void setTraining(boolean training);

    boolean isTraining();
}
