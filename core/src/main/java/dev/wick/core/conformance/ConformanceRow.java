package dev.wick.core.conformance;

/**
 * One check of the conformance suite: a primitive (with the case it was run on), the largest
 * errors of the candidate against the reference, the tolerance and the verdict, and the wall time
 * each side took (the candidate's includes waiting for its device; NaN where a side did not run).
 * {@code note} says why a check failed or was skipped ("" otherwise).
 *
 * @param primitive the primitive checked, with the case it ran on
 * @param maxAbsError the largest |candidate - reference| over the output, or NaN where none was measured
 * @param maxRelError the largest error relative to the scale the tolerance uses, or NaN
 * @param tolerance the bound the check was judged against
 * @param verdict PASS, FAIL or SKIPPED
 * @param referenceMillis the reference's wall time in milliseconds, or NaN
 * @param candidateMillis the candidate's wall time in milliseconds, or NaN
 * @param note why the check failed or was skipped, or ""
 */
public record ConformanceRow(String primitive, double maxAbsError, double maxRelError, Tolerance tolerance,
                             Verdict verdict, double referenceMillis, double candidateMillis, String note) {
    /**
     * Checks the row; a null note becomes "".
     *
     * @param primitive the primitive checked, with its case; not null
     * @param maxAbsError the largest absolute error, or NaN
     * @param maxRelError the largest relative error, or NaN
     * @param tolerance the bound judged against; not null
     * @param verdict the outcome; not null
     * @param referenceMillis the reference's wall time in milliseconds, or NaN
     * @param candidateMillis the candidate's wall time in milliseconds, or NaN
     * @param note why the check failed or was skipped; null for ""
     * @throws IllegalArgumentException if primitive, tolerance or verdict is null
     */
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
