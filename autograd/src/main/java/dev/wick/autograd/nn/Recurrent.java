package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.Seed;

/**
 * A stack of recurrent layers, time-major, as PyTorch's nn.RNN, nn.LSTM and nn.GRU: the input x
 * [T, B, E] feeds layer 0, each layer's hidden states feed the next (through dropout while
 * training, except after the last), and the result is the last layer's hidden states plus every
 * layer's final state. Parameters are named as in PyTorch (weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0, then _l1, ...), so state dicts map one to one.
 */
public interface Recurrent extends Module {

    /**
     * A state for every layer: h [L, B, H], and for an LSTM the cell state c [L, B, H] (null for
     * the others).
     *
     * @param h the hidden states, [L, B, H]
     * @param c the cell states, [L, B, H], for an LSTM; null otherwise
     */
    record State(Variable h, Variable c) {
        /**
         * The same values cut off from the tape (truncated backpropagation through time).
         *
         * @return a new state whose variables hold the same tensors and take no gradient
         */
        public State detach() {
            return new State(h.detach(), c == null ? null : c.detach());
        }
    }

    /**
     * The last layer's hidden state at every timestep [T, B, H], and the final state of every layer.
     *
     * @param output the last layer's hidden states, [T, B, H]
     * @param state every layer's final state, to pass as the next call's initial state
     */
    record Output(Variable output, State state) {
    }

    /**
     * Runs the whole sequence x [T, B, E] from {@code initial} (null for zeros). While training
     * with dropout, the masks come from {@code dropoutSeed}: the same seed gives the same masks on
     * every engine.
     *
     * @param x the input sequence, [T, B, inputSize()]
     * @param initial the initial state, [L, B, H] per part, or null for zeros
     * @param dropoutSeed the seed of this call's dropout masks
     * @return the last layer's hidden states and every layer's final state
     * @throws IllegalArgumentException if x or the initial state does not have the shapes above, or the
     *     initial state lacks a part this kind of layer has or has one it lacks
     */
    Output forward(Variable x, State initial, long dropoutSeed);

    /**
     * As {@link #forward(Variable, State, long)}, with the masks' seed as a {@link Seed}, which may
     * live in device memory (written before each step, so a captured step draws new masks at every
     * replay). The default takes host seeds only.
     *
     * @param x the input sequence, [T, B, inputSize()]
     * @param initial the initial state, [L, B, H] per part, or null for zeros
     * @param dropoutSeed the seed of this call's dropout masks
     * @return the last layer's hidden states and every layer's final state
     */
    default Output forward(Variable x, State initial, Seed dropoutSeed) {
        if (dropoutSeed.inDevice()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " takes its dropout seed from the host only");
        }
        return forward(x, initial, dropoutSeed.value());
    }

    /**
     * As {@link #forward(Variable, State, long)}, with the next seed of this module's own sequence.
     *
     * @param x the input sequence, [T, B, inputSize()]
     * @param initial the initial state, [L, B, H] per part, or null for zeros
     * @return the last layer's hidden states and every layer's final state
     * @throws IllegalArgumentException if x or the initial state does not have the shapes above
     */
    Output forward(Variable x, State initial);

    /**
     * The input features E that layer 0 expects.
     *
     * @return E
     */
    int inputSize();

    /**
     * The hidden size H of every layer.
     *
     * @return H
     */
    int hiddenSize();

    /**
     * The number of stacked layers L.
     *
     * @return L
     */
    int numLayers();

    /**
     * Dropout between layers applies only while training (the default, as in PyTorch).
     *
     * @param training true for training, false for evaluation
     */
    void setTraining(boolean training);

    /**
     * Whether dropout between layers is applied.
     *
     * @return true in training mode
     */
    boolean isTraining();
}
