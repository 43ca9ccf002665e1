package dev.wick.core.conformance;

/**
 * One check of the conformance suite: a primitive (with the case it was run on), the largest
 * errors of the candidate against the reference, the tolerance and the verdict, and the wall time
 * each side took (the candidate's includes waiting for its device; NaN where a side did not run).
 * {@code note} says why a check failed or was skipped ("" otherwise).
 */
public record ConformanceRow(String primitive, double maxAbsError, double maxRelError, Tolerance tolerance,
                             Verdict verdict, double referenceMillis, double candidateMillis, String note) {
    public ConformanceRow {
        if (primitive == null || tolerance == null || verdict == null) {
            throw new IllegalArgumentException("primitive, tolerance and verdict must not be null");
        }
        note = note == null ? "" : note;
    }

    /**
     * Whether this check failed.
     *
     * @return true for a FAIL verdict
     */
    public boolean failed() {
        return verdict == Verdict.FAIL;
    }
}
