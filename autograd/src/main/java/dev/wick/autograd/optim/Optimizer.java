package dev.wick.autograd.optim;

/**
 * Updates parameters in place from their accumulated gradients. A step has a host half,
 * {@link #advance()}, and a device half, {@link #update()}: a training step captured as a device
 * graph (dev.wick.core.Engine#captureGraph) captures update() and calls advance() before each
 * replay, since the graph replays the kernels but not the Java around them.
 */
public interface Optimizer extends AutoCloseable {
    /** One update of every parameter: {@link #advance()}, then {@link #update()}. */
    default void step() {
        advance();
        update();
    }

    /**
     * The host half of a step: checks the gradients' kinds, counts the step, and writes the values
     * that change from step to step (the learning rate, Adam's bias corrections) into device memory,
     * where update() reads them.
     */
    void advance();

    /**
     * The device half of a step: queues every parameter's update, reading the step's values from
     * the device memory advance() wrote, so that nothing here waits for the device or copies from
     * the host (row-sparse gradients' updates included).
     */
    void update();

    /** Zeroes every parameter's gradient (call before each backward: gradients accumulate). */
    void zeroGrad();

    /**
     * The learning rate the next step uses.
     *
     * @return the learning rate
     */
    double learningRate();

    /**
     * Changes the learning rate from the next step on (annealing, schedules).
     *
     * @param lr the new learning rate, at least 0
     */
    void setLearningRate(double lr);

    /** Frees the optimizer's state (momenta); the parameters are the caller's. */
    @Override
    void close();
}
