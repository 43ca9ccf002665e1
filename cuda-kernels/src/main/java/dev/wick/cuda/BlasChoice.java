package dev.wick.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Picks the GEMM library: the first candidate that opens wins, and the ones passed over leave a
 * note saying why. The notes end up in the one line the engine logs ("GEMM through ...") and in
 * its description, so a user sees which GEMM runs and what it would take to get a better one.
 */
final class BlasChoice {

    /** A GEMM library to try: its label for the notes and how to open it (throws where it cannot). */
    record Candidate(String label, Supplier<BlasGemm> open) {
    }

    private final BlasGemm blas;
    private final String notes;

    private BlasChoice(BlasGemm blas, String notes) {
        this.blas = blas;
        this.notes = notes;
    }

    /** Tries the candidates in order; the first that opens is the choice. */
    static BlasChoice first(List<Candidate> candidates) {
        List<String> passedOver = new ArrayList<>();
        for (Candidate c : candidates) {
            try {
                BlasGemm opened = c.open().get();
                return new BlasChoice(opened, String.join("; ", passedOver));
            } catch (Throwable t) { // a missing native library is an Error (UnsatisfiedLinkError)
                if (t instanceof VirtualMachineError v) throw v;
                passedOver.add(c.label() + ": " + reason(t));
            }
        }
        return new BlasChoice(null, String.join("; ", passedOver));
    }

    /** No library at all, for {@code why} (such as -Dwick.gemm=ptx). */
    static BlasChoice none(String why) {
        return new BlasChoice(null, why);
    }

    /** The library chosen, or null: Wick's PTX SGEMM. */
    BlasGemm blas() {
        return blas;
    }

    /** Why the libraries before the chosen one (all of them, when none was) were passed over; "" if none were. */
    String notes() {
        return notes;
    }

    /**
     * The GEMM the engine names in its log line and description: "cuBLAS 13.0.2 via FFM", "cuBLAS
     * 12.6.1 via JCublas2 (cuBLAS 13 via FFM: ...)", "Wick PTX SGEMM (...; ...)".
     */
    static String describe(BlasGemm blas, String notes) {
        String name = blas != null ? blas.name() : "Wick PTX SGEMM";
        return notes.isEmpty() ? name : name + " (" + notes + ")";
    }

    private static String reason(Throwable t) {
        return t instanceof BlasUnavailable && t.getMessage() != null ? t.getMessage() : CudaProbe.oneLine(t);
    }
}
