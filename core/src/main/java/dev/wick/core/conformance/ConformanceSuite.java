package dev.wick.core.conformance;

import dev.wick.core.DType;
import dev.wick.core.backend.Backend;
import dev.wick.core.cpu.CpuBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The backend conformance suite (the second ring of correctness): runs every {@link Backend}
 * primitive on a candidate and on a reference with the same random inputs, compares the outputs and
 * times both sides. Written once for every backend: JUnit runs it (CUDA against the CPU where a GPU
 * exists, the CPU's float32 against its float64 everywhere) and so does {@code wick-lm selfcheck}.
 *
 * <p>A candidate that throws fails that check (the suite goes on). One that throws
 * UnsupportedOperationException fails it too, unless the suite was told why that check may be
 * unsupported ({@link #run(Backend, DType, Backend, DType, ConformanceSizes, long, Map)}): then the
 * row is SKIPPED with that reason, so a kernel nobody wrote cannot pass as "skipped". Nothing here throws on a wrong result: read
 * {@link ConformanceReport#passed()} and print {@link ConformanceReport#table()}.
 */
public final class ConformanceSuite {

    /** One check's work on one side: inputs in, primitive calls timed, outputs read back. */
    @FunctionalInterface
    interface Work {
        double[][] run(Side side);
    }

    private final Side candidate;
    private final Side reference;
    private final String candidateName;
    private final String referenceName;
    private final ConformanceSizes sizes;
    private final long seed;
    private final List<ConformanceRow> rows = new ArrayList<>();
    private final Map<String, String> excusedSkips;

    private ConformanceSuite(Backend candidate, DType candidateType, Backend reference, DType referenceType,
                             ConformanceSizes sizes, long seed, Map<String, String> excusedSkips) {
        if (candidate == null || reference == null) throw new IllegalArgumentException("backends must not be null");
        if (sizes == null) throw new IllegalArgumentException("sizes must not be null");
        this.candidate = new Side(candidate, candidateType);
        this.reference = new Side(reference, referenceType);
        this.candidateName = candidate.description();
        this.referenceName = reference.description();
        this.sizes = sizes;
        this.seed = seed;
        this.excusedSkips = Map.copyOf(excusedSkips);
    }

    /**
     * Candidate against reference, both in {@code dtype}, at the standard sizes.
     *
     * @param candidate the backend checked
     * @param reference the backend trusted (the CPU, usually)
     * @param dtype FLOAT32 or FLOAT64, for both
     * @param seed the inputs' seed
     * @return the report; nothing throws on a wrong result
     */
    public static ConformanceReport run(Backend candidate, Backend reference, DType dtype, long seed) {
        return run(candidate, dtype, reference, dtype, ConformanceSizes.standard(), seed);
    }

    /**
     * The general form: the candidate runs in {@code candidateType}, the reference in
     * {@code referenceType} (FLOAT64 makes the reference more exact than a FLOAT32 candidate);
     * tolerances follow the candidate's dtype.
     *
     * @param candidate the backend checked
     * @param candidateType the candidate's dtype
     * @param reference the backend trusted
     * @param referenceType the reference's dtype
     * @param sizes the problem sizes
     * @param seed the inputs' seed
     * @return the report
     */
    public static ConformanceReport run(Backend candidate, DType candidateType, Backend reference, DType referenceType,
                                        ConformanceSizes sizes, long seed) {
        return run(candidate, candidateType, reference, referenceType, sizes, seed, Map.of());
    }

    /**
     * The general form with the checks the candidate may leave unsupported: check name (as in the
     * report) to the reason, printed in the row. Any other unsupported check fails.
     *
     * @param candidate the backend checked
     * @param candidateType the candidate's dtype
     * @param reference the backend trusted
     * @param referenceType the reference's dtype
     * @param sizes the problem sizes
     * @param seed the inputs' seed
     * @param excusedSkips check name to the reason it may be unsupported
     * @return the report
     */
    public static ConformanceReport run(Backend candidate, DType candidateType, Backend reference, DType referenceType,
                                        ConformanceSizes sizes, long seed, Map<String, String> excusedSkips) {
        ConformanceSuite suite = new ConformanceSuite(candidate, candidateType, reference, referenceType, sizes, seed,
                excusedSkips);
        Inputs inputs = new Inputs(seed);
        new PrimitiveChecks(suite, inputs, sizes, candidateType).runAll();
        new OpTableChecks(suite, inputs, sizes, candidateType).runAll();
        new SparseChecks(suite, inputs, sizes, candidateType).runAll();
        new RecurrentChecks(suite, inputs, sizes, candidateType).runAll();
        return new ConformanceReport(suite.candidateName, candidateType, suite.referenceName, referenceType, seed,
                suite.rows);
    }

    /**
     * The mode for machines without a GPU: the CPU backend in float32 checked against the CPU
     * backend in float64, which catches float32 paths that lose precision (or differ in any way).
     *
     * @param seed the inputs' seed
     * @return the report
     */
    public static ConformanceReport cpuFloat32AgainstFloat64(long seed) {
        try (CpuBackend float32 = new CpuBackend(); CpuBackend float64 = new CpuBackend()) {
            return run(float32, DType.FLOAT32, float64, DType.FLOAT64, ConformanceSizes.standard(), seed);
        }
    }

    /**
     * A seed for a fresh run (print it: it reproduces the run).
     *
     * @return the seed
     */
    public static long freshSeed() {
        return new SplittableRandom().nextLong();
    }

    /** Elementwise tolerance for a candidate computing in {@code dtype}. */
    static Tolerance elementwise(DType dtype) {
        return Tolerance.elementwise(dtype == DType.FLOAT64 ? 1e-12 : 1e-6);
    }

    /** Norm-relative tolerance (GEMM, reductions, softmax, scatter-add) for {@code dtype}. */
    static Tolerance norm(DType dtype) {
        return Tolerance.norm(dtype == DType.FLOAT64 ? 1e-10 : 1e-5);
    }

    // ---- running one check ------------------------------------------------------------------------

    /** Runs {@code work} on both sides and compares every output array with {@code tolerance}. */
    void compare(String primitive, Tolerance tolerance, Work work) {
        Outcome ref = attempt(reference, work);
        if (ref.failure != null) {
            rows.add(new ConformanceRow(primitive, Double.NaN, Double.NaN, tolerance, Verdict.FAIL, ref.millis,
                    Double.NaN, "reference failed: " + describe(ref.failure)));
            return;
        }
        Outcome cand = attempt(candidate, work);
        if (cand.failure != null) {
            rows.add(failedCandidate(primitive, tolerance, ref.millis, cand, excusedSkips.get(primitive)));
            return;
        }
        if (ref.outputs.length != cand.outputs.length) {
            rows.add(new ConformanceRow(primitive, Double.NaN, Double.NaN, tolerance, Verdict.FAIL, ref.millis,
                    cand.millis, "output counts differ"));
            return;
        }
        Tolerance.Errors errors = new Tolerance.Errors(0, 0);
        for (int i = 0; i < ref.outputs.length; i++) {
            errors = errors.max(tolerance.measure(ref.outputs[i], cand.outputs[i]));
        }
        boolean ok = tolerance.accepts(errors);
        rows.add(new ConformanceRow(primitive, errors.maxAbs(), errors.maxRel(), tolerance,
                ok ? Verdict.PASS : Verdict.FAIL, ref.millis, cand.millis, ""));
    }

    /**
     * Runs {@code work} on the candidate only; its two outputs (the same computation done twice)
     * must be identical bit for bit.
     */
    void repeatable(String primitive, Work work) {
        Tolerance exact = Tolerance.exact();
        Outcome cand = attempt(candidate, work);
        if (cand.failure != null) {
            rows.add(failedCandidate(primitive, exact, Double.NaN, cand, excusedSkips.get(primitive)));
            return;
        }
        Tolerance.Errors errors = exact.measure(cand.outputs[0], cand.outputs[1]);
        boolean ok = exact.accepts(errors);
        rows.add(new ConformanceRow(primitive, errors.maxAbs(), errors.maxRel(), exact,
                ok ? Verdict.PASS : Verdict.FAIL, Double.NaN, cand.millis, ok ? "" : "two runs differ"));
    }

    private static ConformanceRow failedCandidate(String primitive, Tolerance tolerance, double refMillis,
                                                  Outcome cand, String excuse) {
        boolean unsupported = cand.failure instanceof UnsupportedOperationException;
        boolean excused = unsupported && excuse != null;
        String note = !unsupported ? "threw " + describe(cand.failure)
                : excused ? "skipped: " + excuse
                : "unsupported, and the suite was not told why: " + describe(cand.failure);
        return new ConformanceRow(primitive, Double.NaN, Double.NaN, tolerance,
                excused ? Verdict.SKIPPED : Verdict.FAIL, refMillis, Double.NaN, note);
    }

    private record Outcome(double[][] outputs, Throwable failure, double millis) {
    }

    private static Outcome attempt(Side side, Work work) {
        side.begin();
        double[][] outputs = null;
        Throwable failure = null;
        try {
            outputs = work.run(side);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            failure = t;
        }
        try {
            side.releaseAll();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        return new Outcome(outputs, failure, failure == null ? side.millis() : Double.NaN);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        String line = t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
        return line.length() > 160 ? line.substring(0, 157) + "..." : line;
    }
}
