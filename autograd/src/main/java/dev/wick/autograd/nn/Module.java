package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Something with named trainable parameters. Closing it closes them. */
public interface Module extends AutoCloseable {

    /** Parameters by name, in a stable order (checkpoints and optimizers rely on it). */
    Map<String, Variable> namedParameters();

    default List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    @Override
    default void close() {
        for (Variable v : namedParameters().values()) v.close();
    }
}
