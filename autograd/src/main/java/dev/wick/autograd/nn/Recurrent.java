package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;

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
     */
    record State(Variable h, Variable c) {
        /** The same values cut off from the tape (truncated backpropagation through time). */
        public State detach() {
            return new State(h.detach(), c == null ? null : c.detach());
        }
    }

    /** The last layer's hidden state at every timestep [T, B, H], and the final state of every layer. */
    record Output(Variable output, State state) {
    }

    /**
     * Runs the whole sequence x [T, B, E] from {@code initial} (null for zeros). While training
     * with dropout, the masks come from {@code dropoutSeed}: the same seed gives the same masks on
     * every engine.
     */
    Output forward(Variable x, State initial, long dropoutSeed);

    /** As {@link #forward(Variable, State, long)}, with the next seed of this module's own sequence. */
    Output forward(Variable x, State initial);

    int inputSize();

    int hiddenSize();

    int numLayers();

    /** Dropout between layers applies only while training (the default, as in PyTorch). */
    void setTraining(boolean training);

    boolean isTraining();
}
