package dev.wick.autograd;

import dev.wick.autograd.check.GradCheck;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Shape;
import dev.wick.cuda.TestEngines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The base of the op tests: an engine per test (the CPU; {@link EveryEngineTest} runs the same
 * tests on the emulated CUDA backend and on a GPU), float64 inputs drawn from a fresh seed
 * (printed, replayable with -Dwick.test.seed) and gradient checks whose failures name that seed
 * and what was being checked.
 */
abstract class GradTestCase {
    Engine e;
    long seed;
    SplittableRandom random;

    /** The engine these tests run on; EveryEngineTest runs them again on the others. */
    TestEngines.Kind engine() {
        return TestEngines.cpu();
    }

    @BeforeEach
    void openEngine(TestInfo info) {
        e = engine().open();
        seed = TestSeeds.fresh(getClass().getSimpleName() + "." + info.getDisplayName());
        random = new SplittableRandom(seed);
    }

    @AfterEach
    void closeEngine() {
        if (e != null) e.close(); // null when the engine was not available and the test skipped
    }

    Variable param(String name, double[] values, int... dims) {
        return Variable.parameter(name, e.fromDoubles(values, dims));
    }

    /** Uniform in [-1, 1). */
    Variable param(String name, int... dims) {
        return param(name, uniform(Shape.of(dims).numel()), dims);
    }

    Variable constant(double[] values, int... dims) {
        return Variable.constant(e.fromDoubles(values, dims));
    }

    double[] uniform(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = random.nextDouble(-1, 1);
        return v;
    }

    /** Values in [-2, -0.1] or [0.1, 2]: away from the kinks of relu, abs and sign at 0. */
    double[] awayFromZero(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (random.nextBoolean() ? 1 : -1) * random.nextDouble(0.1, 2);
        return v;
    }

    /** Values in [0.2, 2] (for log and sqrt). */
    double[] positive(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = random.nextDouble(0.2, 2);
        return v;
    }

    /**
     * n distinct values 0.1 apart, shuffled, plus {@code offset}: no two are within a finite
     * difference step of each other (max, min and maximum have kinks at ties).
     */
    double[] distinct(int n, double offset) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2) * 0.1 + offset;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    /**
     * A scalar that depends on every element of v with distinct weights, so no gradient hides. The
     * weights depend on the seed and the shape only: every evaluation sees the same ones.
     */
    Variable weightedSum(Variable v) {
        long s = seed * 31 + v.shape().hashCode();
        Variable w = Variable.constant(e.uniform(DType.FLOAT64, s, -1, 1, v.shape().dims()));
        return F.sum(F.mul(v, w));
    }

    /**
     * Finite differences for every element on the CPU; on a CUDA engine (the emulator runs each
     * forward pass far slower) for a few drawn elements per input, the whole analytic gradient
     * still being computed there: the formulas are checked in full on the CPU, the kernels here.
     */
    static int elementsPerInput(TestEngines.Kind kind) {
        return kind.isCuda() ? 3 : Integer.MAX_VALUE;
    }

    void check(String what, List<Variable> inputs, Supplier<Variable> loss) {
        try {
            GradCheck.Result r = GradCheck.check(inputs, loss, 1e-6, 1e-7, 1e-5, elementsPerInput(engine()), seed);
            assertTrue(r.elementsChecked() > 0, what);
        } catch (AssertionError err) {
            throw new AssertionError("seed " + seed + ", " + what + ": " + err.getMessage(), err);
        }
    }
}
