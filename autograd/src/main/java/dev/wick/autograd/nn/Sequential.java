package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;

import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied one after another (PyTorch's nn.Sequential). The children are named by position:
 * the parameters of {@code new Sequential(linear1, Activation.tanh(), linear2)} are 0.weight,
 * 0.bias, 2.weight and 2.bias.
 */
public final class Sequential extends AbstractModule implements Layer {
    private final List<Layer> layers;

    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    public Sequential(List<? extends Layer> layers) {
        List<Layer> list = new ArrayList<>();
        for (Layer layer : layers) {
            list.add(registerModule(String.valueOf(list.size()), layer));
        }
        this.layers = List.copyOf(list);
    }

    @Override
    public Variable forward(Variable x) {
        Variable y = x;
        for (Layer layer : layers) y = layer.forward(y);
        return y;
    }

    /** The layer at {@code index}. */
    public Layer get(int index) {
        return layers.get(index);
    }

    public int size() {
        return layers.size();
    }
}
