package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;

/** A module with one input and one output, the kind {@link Sequential} chains. */
public interface Layer extends Module {

    /**
     * The output for input {@code x}, recorded on the current tape if any.
     *
     * @param x the input
     * @return the output, a new variable
     */
    Variable forward(Variable x);
}
