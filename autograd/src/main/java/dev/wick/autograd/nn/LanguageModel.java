package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.Seed;
import dev.wick.core.Tensor;

/**
 * A next-token model over time-major token ids: what a training loop, an evaluator or a sampler
 * needs to drive {@link RnnLanguageModel} and the original {@link CharRnn} alike. The state
 * carried between chunks is a {@link Recurrent.State}: h [L, B, H], and c [L, B, H] where
 * {@link #hasCellState()}.
 */
public interface LanguageModel extends Module {

    /**
     * The logits [T * B, V] (row t * B + b) and every layer's final state.
     *
     * @param logits the next-token scores, [T * B, V]
     * @param state every layer's final state, for the next chunk (detach it first to cut the tape)
     */
    record Output(Variable logits, Recurrent.State state) {
    }

    /**
     * inputs INT32 [T, B]; {@code state} from the previous chunk, or null for zeros. While training,
     * dropout masks (if the model has dropout) come from {@code dropoutSeed}.
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param state the previous chunk's final state, or null for zeros
     * @param dropoutSeed the seed of this call's dropout masks
     * @return the logits and the final state
     * @throws IllegalArgumentException if inputs is not [T, B] or the state does not fit
     */
    Output forward(Tensor inputs, Recurrent.State state, long dropoutSeed);

    /**
     * As {@link #forward(Tensor, Recurrent.State, long)}, with the masks' seed as a {@link Seed},
     * which may live in device memory (written before each step, so a captured training step draws
     * new masks at every replay). The default takes host seeds only.
     *
     * @param inputs the token ids, INT32 [T, B] in [0, V)
     * @param state the previous chunk's final state, or null for zeros
     * @param dropoutSeed the seed of this call's dropout masks
     * @return the logits and the final state
     */
    default Output forward(Tensor inputs, Recurrent.State state, Seed dropoutSeed) {
        if (dropoutSeed.inDevice()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " takes its dropout seed from the host only");
        }
        return forward(inputs, state, dropoutSeed.value());
    }

    /**
     * The vocabulary size V: the token ids it reads and the logits' width.
     *
     * @return V
     */
    int vocabSize();

    /**
     * The hidden size H of the recurrent state.
     *
     * @return H
     */
    int hiddenSize();

    /**
     * Layers of recurrent state (L).
     *
     * @return L, at least 1
     */
    int numLayers();

    /**
     * Whether the state has a cell part (an LSTM's c).
     *
     * @return true for an LSTM
     */
    boolean hasCellState();

    /**
     * Dropout applies only while training (the default, as in PyTorch).
     *
     * @param training true for training, false for evaluation
     */
    void setTraining(boolean training);

    /**
     * Whether dropout is applied.
     *
     * @return true in training mode
     */
    boolean isTraining();
}
