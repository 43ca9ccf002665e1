package dev.wick.cuda;

/**
 * cuBLAS through Java's Foreign Function &amp; Memory API: on Java 17 only a stand-in that says why
 * it cannot be used. The binding itself is the class of the same name in this jar's Java 22 layer
 * ({@code META-INF/versions/22}, built from {@code src/main/java22}), which a Java 22 or newer
 * runtime loads in place of this one; both have the same {@link #open} (the Java 22 tests are
 * compiled against this one and run against that one).
 */
final class FfmCublas {
    private FfmCublas() {
    }

    /**
     * Opens {@code library} and a cuBLAS handle on {@code target}'s stream; here, always refuses.
     *
     * @throws BlasUnavailable always: Java 17 has no FFM API, or the jar lacks its Java 22 layer
     */
    static BlasGemm open(String library, CublasTarget target) {
        throw new BlasUnavailable(unavailableReason(Runtime.version().feature()));
    }

    /** Why this stand-in runs on a Java of feature release {@code feature}. */
    static String unavailableReason(int feature) {
        return feature < 22 ? "needs Java 22 or newer (this is Java " + feature + ")"
                : "this wick-cuda-kernels jar has no Java 22 layer (it was built without a JDK 22 or newer)";
    }
}
