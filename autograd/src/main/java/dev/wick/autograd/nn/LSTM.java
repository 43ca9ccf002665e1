package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;

/**
 * PyTorch's nn.LSTM (time-major, batch_first = False): {@code numLayers} layers of
 * {@link F#lstm}, gate order i, f, g, o, dropout between layers while training. Its state has
 * both h and c, [L, B, H] each.
 */
public final class LSTM extends StackedRecurrent {

    /** One layer with biases, no dropout. */
    public LSTM(Engine e, DType dtype, int inputSize, int hiddenSize, long seed) {
        this(e, dtype, inputSize, hiddenSize, 1, true, 0.0, seed);
    }

    public LSTM(Engine e, DType dtype, int inputSize, int hiddenSize, int numLayers, boolean bias, double dropout,
                long seed) {
        super("LSTM", 4, true, e, dtype, inputSize, hiddenSize, numLayers, bias, dropout, seed);
    }

    @Override
    LayerOutput forwardLayer(LayerWeights p, Variable x, Variable h0, Variable c0) {
        F.LstmOutput out = F.lstm(x, h0, c0, p.weightIH(), p.weightHH(), p.biasIH(), p.biasHH());
        return new LayerOutput(out.output(), out.lastHidden(), out.lastCell());
    }
}
