package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;

/**
 * PyTorch's nn.RNN with tanh (time-major): {@code numLayers} layers of
 * h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), dropout between layers while training.
 * Each layer is one {@link F#rnnTanh} node; its state is h [L, B, H].
 */
public final class RNN extends StackedRecurrent {

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
    public RNN(Engine e, DType dtype, int inputSize, int hiddenSize, long seed) {
        this(e, dtype, inputSize, hiddenSize, 1, true, 0.0, seed);
    }

    /**
     * A stack of {@code numLayers} layers, each with weights [H, in] and [H, H] and, with {@code bias},
     * biases [H] (in is E for layer 0, H for the others).
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
    public RNN(Engine e, DType dtype, int inputSize, int hiddenSize, int numLayers, boolean bias, double dropout,
               long seed) {
        super("RNN", 1, false, e, dtype, inputSize, hiddenSize, numLayers, bias, dropout, seed);
    }

    @Override
    LayerOutput forwardLayer(LayerWeights p, Variable x, Variable h0, Variable c0) {
        // The two biases only ever appear summed: one [H] add, then the fused op's single bias.
        Variable bias = p.biasIH() == null
                ? Variable.constant(x.engine().zeros(x.dtype(), hiddenSize()))
                : F.add(p.biasIH(), p.biasHH());
        Variable out = F.rnnTanh(x, h0, p.weightIH(), p.weightHH(), bias);
        return new LayerOutput(out, lastHidden(out), null);
    }

    /**
     * The last hidden state [B, H] of {@code outputs} [T, B, H] (differentiable view).
     *
     * @param outputs hidden states, [T, B, H] with T at least 1
     * @return a view of the last timestep, [B, H]
     */
    public static Variable lastHidden(Variable outputs) {
        int t = outputs.shape().dim(0);
        return F.reshape(F.slice(outputs, t - 1, t), outputs.shape().dim(1), outputs.shape().dim(2));
    }
}
