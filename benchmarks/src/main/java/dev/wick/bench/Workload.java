package dev.wick.bench;

/**
 * One unit of timed work, set up once (inputs uploaded, outputs allocated where the library lets
 * us) and then run many times. {@link #run()} returns only when the work is finished (a GPU
 * backend synchronizes), so a benchmark method that calls it times the whole of it.
 */
public interface Workload extends AutoCloseable {

    /** Runs the work once, to completion. */
    void run();

    /**
     * Runs the work once more and copies its main result to the host: the product for GEMM, the
     * gathered rows or the table's gradient for an embedding, the logits' gradient for the loss,
     * for a training step the loss before the update followed by the clipped gradients
     * ({@link CharRnnProblem#stepResult}). For cross-checks, never inside timing.
     */
    float[] result();

    /** Frees what the work holds (device memory, native tensors). */
    @Override
    void close();
}
