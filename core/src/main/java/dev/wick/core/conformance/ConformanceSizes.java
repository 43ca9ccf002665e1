package dev.wick.core.conformance;

/**
 * The problem sizes the conformance suite runs at. None is a multiple of the usual block sizes (32,
 * 64, 256), so every kernel's edge handling is exercised; {@link #standard()} also crosses the
 * thresholds where GPU kernels change strategy (several sort tiles, many reduction blocks, rows
 * longer than a block).
 *
 * @param elements       length of the elementwise checks
 * @param reduction      length of the sum and squared-norm checks
 * @param vocabulary     rows of the embedding table
 * @param rowLength      columns of the embedding table
 * @param scatterCount   indices in the duplicate-heavy gather and scatter checks
 * @param distinctCount  indices in the all-distinct checks (at most {@code vocabulary})
 * @param gemmM          GEMM: rows of C
 * @param gemmN          GEMM: columns of C
 * @param gemmK          GEMM: the inner dimension
 * @param lossRows       softmax cross-entropy: rows
 * @param lossCols       softmax cross-entropy: classes
 * @param wideLossCols   softmax cross-entropy: classes of the wide (vocabulary-sized) check
 * @param matrixRows     addRowVector and sumRows: rows
 * @param matrixCols     addRowVector and sumRows: columns
 */
public record ConformanceSizes(int elements, int reduction, int vocabulary, int rowLength, int scatterCount,
                               int distinctCount, int gemmM, int gemmN, int gemmK, int lossRows, int lossCols,
                               int wideLossCols, int matrixRows, int matrixCols) {

    /**
     * Checks the sizes.
     *
     * @param elements length of the elementwise checks, at least 32
     * @param reduction length of the sum and squared-norm checks, at least 1
     * @param vocabulary rows of the embedding table, at least 8
     * @param rowLength columns of the embedding table, at least 1
     * @param scatterCount indices in the duplicate-heavy checks, at least 4
     * @param distinctCount indices in the all-distinct checks, from 4 to {@code vocabulary}
     * @param gemmM GEMM: rows of C, at least 1
     * @param gemmN GEMM: columns of C, at least 1
     * @param gemmK GEMM: the inner dimension, at least 1
     * @param lossRows softmax cross-entropy: rows, at least 4
     * @param lossCols softmax cross-entropy: classes, at least 2
     * @param wideLossCols softmax cross-entropy: classes of the wide check, at least 2
     * @param matrixRows addRowVector and sumRows: rows, at least 1
     * @param matrixCols addRowVector and sumRows: columns, at least 1
     * @throws IllegalArgumentException if a size lies outside the range given here
     */
    public ConformanceSizes {
        if (distinctCount > vocabulary) {
            throw new IllegalArgumentException("distinctCount " + distinctCount + " exceeds vocabulary " + vocabulary);
        }
        if (elements < 32 || reduction < 1 || vocabulary < 8 || rowLength < 1 || scatterCount < 4 || distinctCount < 4
                || gemmM < 1 || gemmN < 1 || gemmK < 1 || lossRows < 4 || lossCols < 2 || wideLossCols < 2
                || matrixRows < 1 || matrixCols < 1) {
            throw new IllegalArgumentException("conformance sizes too small: " + this);
        }
    }

    /**
     * The sizes for real backends: a few seconds on the CPU reference.
     *
     * @return the sizes
     */
    public static ConformanceSizes standard() {
        return new ConformanceSizes(100_003, 1_000_003, 1009, 300, 5000, 700, 131, 77, 259, 300, 1031, 5003, 3001, 130);
    }

    /**
     * Small sizes for slow candidates (a kernel emulator), still off every block multiple.
     *
     * @return the sizes
     */
    public static ConformanceSizes small() {
        return new ConformanceSizes(1031, 3001, 97, 67, 2500, 90, 70, 67, 37, 9, 133, 1031, 70, 45);
    }
}
