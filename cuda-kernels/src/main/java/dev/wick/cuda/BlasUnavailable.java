package dev.wick.cuda;

/**
 * A GEMM library that cannot be used in this JVM, for a reason that is no fault: the wrong Java,
 * a missing shared library, a missing command line flag. The message is that reason, one line,
 * ready for the engine's "GEMM through ..." line.
 */
final class BlasUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BlasUnavailable(String reason) {
        super(reason);
    }

    BlasUnavailable(String reason, Throwable cause) {
        super(reason, cause);
    }
}
