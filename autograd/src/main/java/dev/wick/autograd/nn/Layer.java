package dev.wick.autograd.nn;

import dev.wick.autograd.Variable;

/** A module with one input and one output, the kind {@link Sequential} chains. */
public interface Layer extends Module {

    /** The output for input {@code x}, recorded on the current tape if any. */
    Variable forward(Variable x);
}
