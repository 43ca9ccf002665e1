package dev.wick.core.conformance;

import dev.wick.core.DType;

import java.util.List;
import java.util.Locale;

/**
 * Everything one run of the conformance suite found, and a printable table of it.
 *
 * @param candidate the candidate backend's description
 * @param candidateType the dtype the candidate ran in
 * @param reference the reference backend's description
 * @param referenceType the dtype the reference ran in
 * @param seed the seed of the random inputs
 * @param rows one row per check, in the order run
 */
public record ConformanceReport(String candidate, DType candidateType, String reference, DType referenceType,
                                long seed, List<ConformanceRow> rows) {

    /**
     * A report; the rows are copied.
     *
     * @param candidate the candidate backend's description
     * @param candidateType the candidate's dtype
     * @param reference the reference backend's description
     * @param referenceType the reference's dtype
     * @param seed the inputs' seed
     * @param rows one row per check, in the order run
     */
    public ConformanceReport {
        rows = List.copyOf(rows);
    }

    /**
     * True when no row failed (skipped rows do not fail a run).
     *
     * @return whether the run passed
     */
    public boolean passed() {
        return rows.stream().noneMatch(ConformanceRow::failed);
    }

    /**
     * The rows that failed.
     *
     * @return those rows, in order
     */
    public List<ConformanceRow> failures() {
        return rows.stream().filter(ConformanceRow::failed).toList();
    }

    /**
     * How many rows have a verdict.
     *
     * @param verdict PASS, FAIL or SKIPPED
     * @return the count
     */
    public long count(Verdict verdict) {
        return rows.stream().filter(r -> r.verdict() == verdict).count();
    }

    /**
     * The whole report as a fixed-width table, headed by both sides and the seed.
     *
     * @return the table, one line per row
     */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("candidate: ").append(candidate).append(" [").append(candidateType).append("]\n");
        sb.append("reference: ").append(reference).append(" [").append(referenceType).append("]\n");
        sb.append("seed:      ").append(seed).append('\n');
        String header = String.format(Locale.ROOT, "%-56s %12s %12s %12s %-7s %12s %12s  %s",
                "primitive", "max abs err", "max rel err", "tolerance", "verdict", "ref ms", "cand ms", "note");
        sb.append(header).append('\n').append("-".repeat(header.length())).append('\n');
        for (ConformanceRow r : rows) {
            sb.append(String.format(Locale.ROOT, "%-56s %12s %12s %12s %-7s %12s %12s  %s",
                    r.primitive(), number(r.maxAbsError()), number(r.maxRelError()), r.tolerance(), r.verdict(),
                    millis(r.referenceMillis()), millis(r.candidateMillis()), r.note()).stripTrailing()).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%d checks: %d passed, %d failed, %d skipped -> %s%n", rows.size(),
                count(Verdict.PASS), count(Verdict.FAIL), count(Verdict.SKIPPED), passed() ? "PASS" : "FAIL"));
        return sb.toString();
    }

    private static String number(double v) {
        if (Double.isNaN(v)) return "-";
        if (v == 0) return "0";
        return String.format(Locale.ROOT, "%.3e", v);
    }

    private static String millis(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
