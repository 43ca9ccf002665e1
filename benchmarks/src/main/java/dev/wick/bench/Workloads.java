package dev.wick.bench;

/**
 * The work every benchmark times, written once per library: Wick ({@code dev.wick.bench.wick}) and,
 * in the peer build only, PyTorch through DJL ({@code dev.wick.bench.torch}). The benchmarks pick an
 * implementation by backend name ({@link Backends#open}) and never name a library themselves, so
 * both sides get identical inputs from {@link HostData} and are timed by the same code.
 */
public interface Workloads extends AutoCloseable {

    /** One line for the record: library, version, device, threads. */
    String description();

    /**
     * C = op(A) op(B), op(A) [m, k] and op(B) [k, n], all row-major: A is stored [k, m] when
     * {@code transA} (op(A) = A^T, as a backward pass's weight gradient reads its activations), and B
     * [n, k] when {@code transB} (as a linear layer reads its weight).
     */
    Workload gemm(boolean transA, boolean transB, int m, int k, int n, float[] a, float[] b);

    /**
     * The embedding lookup {@code out[i] = table[indices[i]]}; with {@code backward}, also the
     * table's gradient from {@code problem.upstream()}, into a gradient that starts from zero on
     * every run as in a training step.
     */
    Workload embedding(EmbeddingProblem problem, boolean backward);

    /** Mean softmax cross-entropy of logits [rows, cols] against targets, and the logits' gradient. */
    Workload softmaxCrossEntropy(int rows, int cols, float[] logits, int[] targets);

    /** One whole training step of the char-RNN: forward, backward, clipping, Adam. */
    Workload charRnnStep(CharRnnProblem problem);

    /**
     * The backend's count of real allocations (cuMemAlloc, new arrays) so far, or -1 where the
     * library does not expose one.
     */
    long driverAllocations();

    @Override
    void close();
}
