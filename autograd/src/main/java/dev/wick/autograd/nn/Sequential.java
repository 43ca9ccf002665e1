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

    /**
     * The layers in the order they are applied, named 0, 1, ...
     *
     * @param layers the layers; none null
     */
    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    /**
     * The layers in the list's order, named 0, 1, ...
     *
     * @param layers the layers; none null
     * @throws IllegalArgumentException if a layer is null
     */
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

    /**
     * The layer at {@code index}.
     *
     * @param index the position, from 0
     * @return the layer registered under that position's name
     * @throws IndexOutOfBoundsException if index is not in [0, size())
     */
    public Layer get(int index) {
        return layers.get(index);
    }

    /**
     * The number of layers.
     *
     * @return the number of layers
     */
    public int size() {
        return layers.size();
    }
}
