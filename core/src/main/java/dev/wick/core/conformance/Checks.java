package dev.wick.core.conformance;

import dev.wick.core.DType;

/**
 * What every group of conformance cases works with: the suite that runs and records them, the
 * shared random inputs (so both sides see the same values), the sizes, and the tolerances for the
 * candidate's dtype.
 */
abstract class Checks {
    final ConformanceSuite suite;
    final Inputs in;
    final ConformanceSizes sizes;
    final Tolerance elementwise;
    final Tolerance norm;
    final Tolerance exact = Tolerance.exact();

    Checks(ConformanceSuite suite, Inputs in, ConformanceSizes sizes, DType dtype) {
        this.suite = suite;
        this.in = in;
        this.sizes = sizes;
        this.elementwise = ConformanceSuite.elementwise(dtype);
        this.norm = ConformanceSuite.norm(dtype);
    }

    /** Adds this group's checks to the suite. */
    abstract void runAll();

    /** The outputs a check compares, in order. */
    static double[][] outputs(double[]... arrays) {
        return arrays;
    }
}
