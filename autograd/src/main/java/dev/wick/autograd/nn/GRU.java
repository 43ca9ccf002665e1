package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;

/**
 * PyTorch's nn.GRU (time-major, batch_first = False): {@code numLayers} layers of {@link F#gru},
 * gate order r, z, n, dropout between layers while training. Its state is h [L, B, H].
 */
public final class GRU extends StackedRecurrent {

    /** One layer with biases, no dropout. */
    public GRU(Engine e, DType dtype, int inputSize, int hiddenSize, long seed) {
        this(e, dtype, inputSize, hiddenSize, 1, true, 0.0, seed);
    }

    public GRU(Engine e, DType dtype, int inputSize, int hiddenSize, int numLayers, boolean bias, double dropout,
               long seed) {
        super("GRU", 3, false, e, dtype, inputSize, hiddenSize, numLayers, bias, dropout, seed);
    }

    @Override
    LayerOutput forwardLayer(LayerWeights p, Variable x, Variable h0, Variable c0) {
        Variable out = F.gru(x, h0, p.weightIH(), p.weightHH(), p.biasIH(), p.biasHH());
        return new LayerOutput(out, RNN.lastHidden(out), null);
    }
}
