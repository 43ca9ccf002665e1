package dev.wick.autograd.nn;

import dev.wick.autograd.F;
import dev.wick.autograd.Variable;

import java.util.function.UnaryOperator;

/** An elementwise function as a parameterless layer, for {@link Sequential}: tanh, relu, sigmoid or your own. */
public final class Activation extends AbstractModule implements Layer {
    private final String name;
    private final UnaryOperator<Variable> function;

    private Activation(String name, UnaryOperator<Variable> function) {
        this.name = name;
        this.function = function;
    }

    /**
     * A layer applying {@code function} (a differentiable one, built from {@link F}), called {@code name}.
     *
     * @param name what {@link #toString} shows; not null
     * @param function the elementwise function; not null
     * @return the layer, without parameters
     * @throws IllegalArgumentException if name or function is null
     */
    public static Activation of(String name, UnaryOperator<Variable> function) {
        if (name == null || function == null) throw new IllegalArgumentException("name and function must not be null");
        return new Activation(name, function);
    }

    /**
     * A layer applying {@link F#tanh}.
     *
     * @return the layer
     */
    public static Activation tanh() {
        return new Activation("tanh", F::tanh);
    }

    /**
     * A layer applying {@link F#relu}.
     *
     * @return the layer
     */
    public static Activation relu() {
        return new Activation("relu", F::relu);
    }

    /**
     * A layer applying {@link F#sigmoid}.
     *
     * @return the layer
     */
    public static Activation sigmoid() {
        return new Activation("sigmoid", F::sigmoid);
    }

    @Override
    public Variable forward(Variable x) {
        return function.apply(x);
    }

    @Override
    public String toString() {
        return "Activation[" + name + "]";
    }
}
