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

    /**
     * One layer with biases, no dropout.
     *
     * @param e the engine the parameters live on
     * @param dtype the parameters' floating dtype
     * @param inputSize the input features E, at least 1
     * @param hiddenSize the hidden size H, at least 1
     * @param seed the initialisation's seed (and the first of the dropout seeds)
     * @throws IllegalArgumentException if a size is not positive
     */
    public LSTM(Engine e, DType dtype, int inputSize, int hiddenSize, long seed) {
        this(e, dtype, inputSize, hiddenSize, 1, true, 0.0, seed);
    }

    /**
     * A stack of {@code numLayers} layers, each with weights [4H, in] and [4H, H] and, with {@code bias},
     * biases [4H] (in is E for layer 0, H for the others).
     *
     * @param e the engine the parameters live on
     * @param dtype the parameters' floating dtype
     * @param inputSize the input features E, at least 1
     * @param hiddenSize the hidden size H, at least 1
     * @param numLayers the number of layers L, at least 1
     * @param bias whether each layer has the biases bias_ih and bias_hh
     * @param dropout the probability of zeroing a hidden state passed between layers while training,
     *     in [0, 1)
     * @param seed the initialisation's seed (and the first of the dropout seeds)
     * @throws IllegalArgumentException if a size is not positive or dropout lies outside [0, 1)
     */
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
