package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.CounterRng;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Seed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the recurrent stacks share: PyTorch's parameters per layer (weight_ih_lK [G H, in],
 * weight_hh_lK [G H, H], bias_ih_lK and bias_hh_lK [G H], G gates per cell, all initialised
 * U(-1/sqrt(H), 1/sqrt(H))), splitting the initial state by layer, dropout between layers and
 * stacking the final states. Subclasses run one layer.
 */
abstract class StackedRecurrent implements Recurrent {
    /** One layer's parameters; the biases are null when the stack has none. */
    record LayerWeights(Variable weightIH, Variable weightHH, Variable biasIH, Variable biasHH) {
    }

    /** One layer's result: its hidden states [T, B, H] and final state(s) [B, H] (c null but for an LSTM). */
    record LayerOutput(Variable output, Variable lastHidden, Variable lastCell) {
    }

    private final String kind;
    private final int inputSize;
    private final int hiddenSize;
    private final double dropout;
    private final boolean hasCell;
    private final List<LayerWeights> layers;
    private final Map<String, Variable> named;
    private final long seed;
    private boolean training = true;
    private long calls;

    StackedRecurrent(String kind, int gates, boolean hasCell, Engine e, DType dtype, int inputSize, int hiddenSize,
                     int numLayers, boolean bias, double dropout, long seed) {
        Init.requirePositive("input size", inputSize);
        Init.requirePositive("hidden size", hiddenSize);
        Init.requirePositive("number of layers", numLayers);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(kind + ": dropout must lie in [0, 1), got " + dropout);
        }
        this.kind = kind;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.dropout = dropout;
        this.hasCell = hasCell;
        this.seed = seed;
        double bound = 1.0 / Math.sqrt(hiddenSize);
        List<LayerWeights> list = new ArrayList<>();
        Map<String, Variable> m = new LinkedHashMap<>();
        for (int k = 0; k < numLayers; k++) {
            int in = k == 0 ? inputSize : hiddenSize;
            Variable wih = Init.uniformParameter("weight_ih_l" + k, e, dtype, Init.subSeed(seed, 4 * k), bound, gates * hiddenSize, in);
            Variable whh = Init.uniformParameter("weight_hh_l" + k, e, dtype, Init.subSeed(seed, 4 * k + 1), bound,
                    gates * hiddenSize, hiddenSize);
            Variable bih = bias ? Init.uniformParameter("bias_ih_l" + k, e, dtype, Init.subSeed(seed, 4 * k + 2), bound, gates * hiddenSize) : null;
            Variable bhh = bias ? Init.uniformParameter("bias_hh_l" + k, e, dtype, Init.subSeed(seed, 4 * k + 3), bound, gates * hiddenSize) : null;
            list.add(new LayerWeights(wih, whh, bih, bhh));
            m.put(wih.name(), wih);
            m.put(whh.name(), whh);
            if (bias) {
                m.put(bih.name(), bih);
                m.put(bhh.name(), bhh);
            }
        }
        this.layers = List.copyOf(list);
        this.named = java.util.Collections.unmodifiableMap(m);
    }

    /** Runs layer {@code layer} over x [T, B, in] from h0 and c0 ([B, H], null for zeros). */
    abstract LayerOutput forwardLayer(LayerWeights layer, Variable x, Variable h0, Variable c0);

    @Override
    public final Output forward(Variable x, State initial) {
        return forward(x, initial, CounterRng.bits(seed ^ 0x5DEECE66DL, calls++));
    }

    @Override
    public final Output forward(Variable x, State initial, long dropoutSeed) {
        return forward(x, initial, Seed.of(dropoutSeed));
    }

    @Override
    public final Output forward(Variable x, State initial, Seed dropoutSeed) {
        if (x == null) throw new IllegalArgumentException(kind + ": input must not be null");
        if (x.shape().rank() != 3 || x.shape().dim(2) != inputSize) {
            throw new IllegalArgumentException(kind + ": input must be [T, B, " + inputSize + "], got " + x.shape());
        }
        int batch = x.shape().dim(1), n = layers.size();
        checkState(initial, batch);
        List<Variable> lastH = new ArrayList<>(), lastC = new ArrayList<>();
        Variable input = x;
        for (int k = 0; k < n; k++) {
            Variable h0 = initial == null ? null : layerState(initial.h(), k, batch);
            Variable c0 = initial == null || !hasCell ? null : layerState(initial.c(), k, batch);
            LayerOutput out = forwardLayer(layers.get(k), input, h0, c0);
            lastH.add(out.lastHidden());
            if (hasCell) lastC.add(out.lastCell());
            input = k + 1 < n ? F.dropout(out.output(), dropout, training, dropoutSeed.derive(k)) : out.output();
        }
        return new Output(input, new State(F.stack(0, lastH.toArray(new Variable[0])),
                hasCell ? F.stack(0, lastC.toArray(new Variable[0])) : null));
    }

    private void checkState(State initial, int batch) {
        if (initial == null) return;
        List<Variable> parts = new ArrayList<>();
        parts.add(initial.h());
        if (hasCell) parts.add(initial.c());
        else if (initial.c() != null) throw new IllegalArgumentException(kind + " has no cell state, but one was given");
        for (Variable v : parts) {
            if (v == null) throw new IllegalArgumentException(kind + ": the initial state is missing a part");
            if (!v.shape().equals(dev.wick.core.Shape.of(layers.size(), batch, hiddenSize))) {
                throw new IllegalArgumentException(kind + ": initial state " + v.shape() + " does not match [" + layers.size()
                        + ", " + batch + ", " + hiddenSize + "] (layers, batch, hidden)");
            }
        }
    }

    /** Layer k's [B, H] part of a state [L, B, H] (differentiable). */
    private static Variable layerState(Variable state, int k, int batch) {
        return F.reshape(F.slice(state, k, k + 1), batch, state.shape().dim(2));
    }

    /** The parameters of layer k (PyTorch's weight_ih_lk, weight_hh_lk, bias_ih_lk, bias_hh_lk). */
    final LayerWeights layer(int k) {
        return layers.get(k);
    }

    @Override
    public final int inputSize() {
        return inputSize;
    }

    @Override
    public final int hiddenSize() {
        return hiddenSize;
    }

    @Override
    public final int numLayers() {
        return layers.size();
    }

    /**
     * The probability with which dropout zeroes the hidden states passed between layers while training.
     *
     * @return the probability, in [0, 1)
     */
    public final double dropout() {
        return dropout;
    }

    @Override
    public final void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public final boolean isTraining() {
        return training;
    }

    @Override
    public final Map<String, Variable> namedParameters() {
        return named;
    }
}
