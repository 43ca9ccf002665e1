package dev.wick.autograd.check;

import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Checks the tape's gradients against central finite differences, in float64:
 * dL/dx_j ~ (L(x + h e_j) - L(x - h e_j)) / 2h for every element j of every input. Inputs must be
 * FLOAT64 parameters; the function must be deterministic and return a one-element Variable. The
 * inputs' gradients are overwritten.
 */
public final class GradCheck {
    /**
     * The worst disagreement found.
     *
     * @param maxAbsError the largest |analytic - numeric| over the elements checked
     * @param maxRelError the largest |analytic - numeric| / max(|analytic|, |numeric|)
     * @param worst where the largest absolute error was, with both values; "none" when nothing was checked
     * @param elementsChecked how many elements were perturbed
     */
    public record Result(double maxAbsError, double maxRelError, String worst, int elementsChecked) {
        @Override
        public String toString() {
            return String.format("max abs error %.3e, max rel error %.3e over %d elements (worst: %s)",
                    maxAbsError, maxRelError, elementsChecked, worst);
        }
    }

    private GradCheck() {
    }

    /**
     * Default step 1e-6, absolute tolerance 1e-7, relative tolerance 1e-5.
     *
     * @param inputs the variables whose gradients are checked (FLOAT64 recommended)
     * @param loss computes the scalar loss from the inputs' current values
     * @return the worst errors seen
     */
    public static Result check(List<Variable> inputs, Supplier<Variable> loss) {
        return check(inputs, loss, 1e-6, 1e-7, 1e-5);
    }

    /**
     * Computes both gradients and throws AssertionError naming the input and element where
     * |analytic - numeric| > atol + rtol * max(|analytic|, |numeric|); returns the worst errors seen.
     *
     * @param inputs the variables whose gradients are checked (FLOAT64 recommended)
     * @param loss computes the scalar loss from the inputs' current values
     * @param step the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the relative tolerance
     * @return the worst errors seen
     */
    public static Result check(List<Variable> inputs, Supplier<Variable> loss, double step, double atol, double rtol) {
        return check(inputs, loss, step, atol, rtol, Integer.MAX_VALUE, 0);
    }

    /**
     * The same, but the finite differences are taken for at most {@code elementsPerInput} elements
     * of each input, drawn with {@code seed} (all of them where an input has no more): for engines
     * on which every forward pass is slow, such as the emulated GPU. The analytic gradient is still
     * computed whole, in one backward pass.
     *
     * @param inputs the variables whose gradients are checked (FLOAT64 recommended)
     * @param loss computes the scalar loss from the inputs' current values
     * @param step the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the relative tolerance
     * @param elementsPerInput the most elements differenced per input, at least 1
     * @param seed picks those elements
     * @return the worst errors seen
     */
    public static Result check(List<Variable> inputs, Supplier<Variable> loss, double step, double atol, double rtol,
                               int elementsPerInput, long seed) {
        if (elementsPerInput < 1) throw new IllegalArgumentException("elementsPerInput must be >= 1, got " + elementsPerInput);
        if (inputs.isEmpty()) throw new IllegalArgumentException("no inputs to check");
        for (Variable v : inputs) {
            if (v.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("gradient checks run in float64; " + v + " is " + v.dtype());
            }
            if (!v.requiresGrad()) throw new IllegalArgumentException(v + " takes no gradient");
        }
        double[][] analytic = analyticGradients(inputs, loss);
        double maxAbs = 0, maxRel = 0;
        String worst = "none";
        int checked = 0;
        for (int i = 0; i < inputs.size(); i++) {
            Variable in = inputs.get(i);
            double[] values = in.value().toDoubleArray();
            for (int j : sample(values.length, elementsPerInput, seed + i)) {
                double original = values[j];
                values[j] = original + step;
                double plus = evaluate(in, values, loss);
                values[j] = original - step;
                double minus = evaluate(in, values, loss);
                values[j] = original;
                double numeric = (plus - minus) / (2 * step);
                double a = analytic[i][j];
                double abs = Math.abs(a - numeric);
                double scale = Math.max(Math.abs(a), Math.abs(numeric));
                double rel = scale == 0 ? 0 : abs / scale;
                String where = name(in, i) + "[" + j + "]: analytic " + a + ", numeric " + numeric;
                if (abs > maxAbs) {
                    maxAbs = abs;
                    worst = where;
                }
                maxRel = Math.max(maxRel, rel);
                checked++;
                if (!(abs <= atol + rtol * scale)) {
                    write(in, values); // leave the input as it was
                    throw new AssertionError("gradient mismatch at " + where + " (abs error " + abs + ")");
                }
            }
            write(in, values);
        }
        return new Result(maxAbs, maxRel, worst, checked);
    }

    /** All of [0, n) when it has at most k elements, else k distinct ones drawn with the seed, in order. */
    private static int[] sample(int n, int k, long seed) {
        if (n <= k) return IntStream.range(0, n).toArray();
        return new SplittableRandom(seed).ints(0, n).distinct().limit(k).sorted().toArray();
    }

    private static double[][] analyticGradients(List<Variable> inputs, Supplier<Variable> loss) {
        for (Variable v : inputs) {
            // NaN under a lazy zero: a backward that stores a first contribution but misses
            // elements leaves NaN there, which no tolerance accepts.
            if (!v.hasSparseGrad() && v.grad() != null) v.grad().fillInPlace(Double.NaN);
            v.zeroGrad();
        }
        Engine e = inputs.get(0).engine();
        try (Scope scope = e.scope(); Tape tape = Tape.record()) {
            tape.backward(loss.get());
        }
        double[][] grads = new double[inputs.size()][];
        for (int i = 0; i < grads.length; i++) {
            Variable v = inputs.get(i);
            if (v.hasSparseGrad()) { // a sparse embedding's: compared densified
                try (Tensor dense = v.sparseGrad().toDense()) {
                    grads[i] = dense.toDoubleArray();
                }
            } else {
                grads[i] = v.grad().toDoubleArray();
            }
        }
        return grads;
    }

    private static double evaluate(Variable in, double[] values, Supplier<Variable> loss) {
        write(in, values);
        try (Scope scope = in.engine().scope(); Tape.NoGrad ng = Tape.noGrad()) {
            return loss.get().value().item();
        }
    }

    private static void write(Variable in, double[] values) {
        try (Scope scope = in.engine().scope()) {
            Tensor t = in.engine().fromDoubles(values, in.shape().dims());
            in.value().copyFromInPlace(t);
        }
    }

    private static String name(Variable v, int i) {
        return v.name() != null ? v.name() : "input " + i;
    }
}
