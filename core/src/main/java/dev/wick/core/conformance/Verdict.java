package dev.wick.core.conformance;

/** The outcome of one conformance check. */
public enum Verdict {
    /** Within tolerance. */
    PASS,
    /** Outside tolerance, or the candidate threw. */
    FAIL,
    /** The candidate does not implement the primitive for this dtype (UnsupportedOperationException). */
    SKIPPED
}
