package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

import java.io.IOException;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Something with named trainable parameters, possibly made of named child modules (PyTorch's
 * nn.Module). Names are dotted paths through the tree, PyTorch's: a child "encoder" holding a
 * {@link Linear} contributes "encoder.weight" and "encoder.bias". Extend {@link AbstractModule} to
 * write one: it registers parameters and children and keeps the training mode.
 *
 * <p>Closing a module closes its parameters. A module is not thread-safe: train it from one thread
 * at a time (the tensors and tapes it drives are confined to their thread).
 */
public interface Module extends AutoCloseable {

    /**
     * Every parameter of this module and its descendants by dotted name, each tensor once (a tied
     * weight under its first name), in a stable order: checkpoints and optimizers rely on it.
     *
     * @return an unmodifiable map from dotted name to parameter
     */
    Map<String, Variable> namedParameters();

    /**
     * The direct children by name, in registration order; none for a leaf module.
     *
     * @return an unmodifiable map from name to child
     */
    default Map<String, Module> namedChildren() {
        return Map.of();
    }

    /**
     * The values of {@link #namedParameters()}, in the same order.
     *
     * @return a new list of the parameters
     */
    default List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * Sets training (true, the default) or evaluation mode on this module and every descendant:
     * dropout drops only while training. A module whose forward does not depend on the mode only
     * passes it on.
     *
     * @param training true for training, false for evaluation
     */
    default void setTraining(boolean training) {
        for (Module child : namedChildren().values()) child.setTraining(training);
    }

    /**
     * Whether this module is in training mode (for a module that keeps no mode: whether all its children are).
     *
     * @return true in training mode
     */
    default boolean isTraining() {
        for (Module child : namedChildren().values()) {
            if (!child.isTraining()) return false;
        }
        return true;
    }

    /** Training mode, as PyTorch's train(). */
    default void train() {
        setTraining(true);
    }

    /** Evaluation mode, as PyTorch's eval(). */
    default void eval() {
        setTraining(false);
    }

    /** Resets the gradient of every parameter in the tree ({@link Variable#zeroGrad()}: lazy, no fill). */
    default void zeroGrad() {
        for (Variable p : namedParameters().values()) p.zeroGrad();
    }

    /**
     * The parameters' values by dotted name, in {@link #namedParameters()} order: the live tensors,
     * not copies (PyTorch's state_dict()). Save it with {@link #saveStateDict} or
     * {@link dev.wick.core.io.Safetensors#save}.
     *
     * @return a map from dotted name to the parameter's value tensor, which the module still owns
     */
    default Map<String, Tensor> stateDict() {
        return StateDicts.of(this);
    }

    /**
     * Copies {@code state} into the parameters (strict, as PyTorch's load_state_dict): the names
     * must be exactly the parameters' names and the shapes theirs; a FLOAT32 value loads into a
     * FLOAT64 parameter and the reverse (rounded), tensors of another engine are copied across;
     * anything else is an IllegalArgumentException naming the tensor. Everything is checked and
     * converted before the first parameter is written, so a failed load changes nothing.
     *
     * @param state the values by dotted name; read, not closed
     * @throws IllegalArgumentException if a name is missing or unknown, or a shape or dtype does not fit
     */
    default void loadStateDict(Map<String, Tensor> state) {
        StateDicts.load(this, state);
    }

    /**
     * Loads a safetensors file written by Wick or by PyTorch's safetensors (F16, BF16, F32, F64,
     * I32 or I64, each converted to its parameter's dtype where that loses nothing but float64 to
     * float32 rounding, refused otherwise), with {@link #loadStateDict(Map)}'s checks. A damaged
     * file is a {@link dev.wick.core.io.SafetensorsException} and changes nothing.
     *
     * @param file a safetensors file
     * @throws dev.wick.core.io.SafetensorsException if the file is damaged
     * @throws IllegalArgumentException if a name is missing or unknown, or a shape or dtype does not fit
     * @throws IOException if the file cannot be read
     */
    default void loadStateDict(Path file) throws IOException {
        StateDicts.load(this, file);
    }

    /**
     * Writes {@link #stateDict()} to a safetensors file (each tensor in its own dtype), replacing it atomically.
     *
     * @param file the file written
     * @throws IOException if it cannot be written
     */
    default void saveStateDict(Path file) throws IOException {
        StateDicts.save(this, file);
    }

    @Override
    default void close() {
        for (Variable v : namedParameters().values()) v.close();
    }
}
