package dev.wick.core.conformance;

/**
 * How closely a candidate's output must match the reference's.
 * <ul>
 *   <li>{@link Kind#EXACT}: every element equal (NaN matches NaN, -0 matches +0): copies, fills,
 *       gathers, index checks, and a deterministic kernel run twice;</li>
 *   <li>{@link Kind#ELEMENTWISE}: |c - r| &lt;= bound * (|r| + mean |r|) per element: relative error,
 *       with the mean magnitude as a floor so that an element that cancels to nearly zero is judged
 *       against the size of its neighbours rather than against itself;</li>
 *   <li>{@link Kind#NORM}: |c - r| &lt;= bound * max |r|: error relative to the output's norm, for
 *       results that are sums of many terms (GEMM, reductions, softmax, scatter-add), whose
 *       rounding depends on the summation order.</li>
 * </ul>
 *
 * @param kind how the bound is read
 * @param bound the largest error allowed, relative as the kind says (0 for EXACT)
 */
public record Tolerance(Kind kind, double bound) {

    /** How the bound is read (see the list above). */
    public enum Kind {
        /** No difference allowed. */
        EXACT,
        /** Each element's error against its own size or its neighbours'. */
        ELEMENTWISE,
        /** Each element's error against the largest reference value. */
        NORM
    }

    /**
     * A tolerance.
     *
     * @param kind how {@code bound} is read
     * @param bound the largest error allowed, at least 0
     */
    public Tolerance {
        if (kind == null) throw new IllegalArgumentException("tolerance kind must not be null");
        if (!(bound >= 0)) throw new IllegalArgumentException("tolerance bound must be >= 0, got " + bound);
    }

    /**
     * No difference at all.
     *
     * @return the tolerance
     */
    public static Tolerance exact() {
        return new Tolerance(Kind.EXACT, 0);
    }

    /**
     * An error bound for each element (see {@link Kind#ELEMENTWISE}).
     *
     * @param bound the bound
     * @return the tolerance
     */
    public static Tolerance elementwise(double bound) {
        return new Tolerance(Kind.ELEMENTWISE, bound);
    }

    /**
     * An error bound relative to the output's largest value (see {@link Kind#NORM}).
     *
     * @param bound the bound
     * @return the tolerance
     */
    public static Tolerance norm(double bound) {
        return new Tolerance(Kind.NORM, bound);
    }

    /**
     * The largest absolute and normalised errors of {@code actual} against {@code expected}.
     *
     * @param maxAbs the largest |actual - expected|
     * @param maxRel the largest error relative to the scale the tolerance's kind uses
     */
    public record Errors(double maxAbs, double maxRel) {
        Errors max(Errors o) {
            return new Errors(Math.max(maxAbs, o.maxAbs), Math.max(maxRel, o.maxRel));
        }
    }

    /**
     * The errors of a result against the reference, measured as this tolerance's kind reads them.
     *
     * @param expected the reference's values
     * @param actual the candidate's values, as many
     * @return the largest errors
     */
    public Errors measure(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            return new Errors(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        }
        double scale = switch (kind) {
            case EXACT -> 0;
            case ELEMENTWISE -> meanMagnitude(expected);
            case NORM -> maxMagnitude(expected);
        };
        double maxAbs = 0, maxRel = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (same(e, a)) continue;
            double abs = Double.isFinite(e) && Double.isFinite(a) ? Math.abs(a - e) : Double.POSITIVE_INFINITY;
            double rel = switch (kind) {
                case EXACT -> Double.POSITIVE_INFINITY;
                case ELEMENTWISE -> relative(abs, Math.abs(e) + scale);
                case NORM -> relative(abs, scale);
            };
            maxAbs = Math.max(maxAbs, abs);
            maxRel = Math.max(maxRel, rel);
        }
        return new Errors(maxAbs, maxRel);
    }

    /**
     * Whether errors of this size are acceptable.
     *
     * @param errors what {@link #measure} found
     * @return true when within the bound
     */
    public boolean accepts(Errors errors) {
        return kind == Kind.EXACT ? errors.maxAbs() == 0 && errors.maxRel() == 0 : errors.maxRel() <= bound;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case EXACT -> "exact";
            case ELEMENTWISE -> String.format("%.0e elem", bound);
            case NORM -> String.format("%.0e norm", bound);
        };
    }

    private static boolean same(double e, double a) {
        return e == a || (Double.isNaN(e) && Double.isNaN(a));
    }

    private static double relative(double abs, double scale) {
        if (abs == 0) return 0;
        return scale > 0 ? abs / scale : Double.POSITIVE_INFINITY;
    }

    private static double meanMagnitude(double[] v) {
        double s = 0;
        int n = 0;
        for (double x : v) {
            if (Double.isFinite(x)) {
                s += Math.abs(x);
                n++;
            }
        }
        return n == 0 ? 0 : s / n;
    }

    private static double maxMagnitude(double[] v) {
        double m = 0;
        for (double x : v) if (Double.isFinite(x)) m = Math.max(m, Math.abs(x));
        return m;
    }
}
