package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A single-layer tanh RNN, time-major: h_t = tanh(x_t W_ih^T + h_{t-1} W_hh^T + b). One bias
 * (PyTorch has two, b_ih and b_hh, that only ever appear summed). Initialised U(-1/sqrt(H), 1/sqrt(H)).
 */
public final class RNN implements Module {
    private final Variable weightIH;
    private final Variable weightHH;
    private final Variable bias;

    public RNN(Engine e, DType dtype, int inputSize, int hiddenSize, long seed) {
        Init.requirePositive("input size", inputSize);
        Init.requirePositive("hidden size", hiddenSize);
        double bound = 1.0 / Math.sqrt(hiddenSize);
        this.weightIH = Init.uniform("weight_ih", e, dtype, Init.subSeed(seed, 0), bound, hiddenSize, inputSize);
        this.weightHH = Init.uniform("weight_hh", e, dtype, Init.subSeed(seed, 1), bound, hiddenSize, hiddenSize);
        this.bias = Init.uniform("bias", e, dtype, Init.subSeed(seed, 2), bound, hiddenSize);
    }

    /** x [T, B, E], h0 [B, H] or null for zeros -> every hidden state, [T, B, H]. */
    public Variable forward(Variable x, Variable h0) {
        return F.rnnTanh(x, h0, weightIH, weightHH, bias);
    }

    /** The last hidden state [B, H] of {@code outputs} [T, B, H] (differentiable view). */
    public static Variable lastHidden(Variable outputs) {
        int t = outputs.shape().dim(0);
        return F.reshape(F.slice(outputs, t - 1, t), outputs.shape().dim(1), outputs.shape().dim(2));
    }

    public int hiddenSize() {
        return weightHH.shape().dim(0);
    }

    public Variable weightIH() {
        return weightIH;
    }

    public Variable weightHH() {
        return weightHH;
    }

    public Variable bias() {
        return bias;
    }

    @Override
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> m = new LinkedHashMap<>();
        m.put("weight_ih", weightIH);
        m.put("weight_hh", weightHH);
        m.put("bias", bias);
        return m;
    }
}
