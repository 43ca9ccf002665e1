package dev.wick.autograd.optim;

/** Updates parameters in place from their accumulated gradients. */
public interface Optimizer extends AutoCloseable {
    /** One update of every parameter. */
    void step();

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
