package dev.wick.autograd.optim;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.backend.Backend;
import java.util.IdentityHashMap;
import java.util.Map;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Adam} and {@link SparseAdam} share: the parameters, their two moments (allocated in
 * the constructor, so create the optimizer where the parameters live, outside per-step scopes;
 * exposed for checkpoints), the betas, eps, the learning rate and the one step counter of the bias
 * correction. Subclasses say how a step updates.
 */
abstract class AdamFamily implements Optimizer {
    final List<Variable> params;
    final List<Tensor> m = new ArrayList<>();
    final List<Tensor> v = new ArrayList<>();
    final double beta1;
    final double beta2;
    final double eps;
    double lr;
    int stepCount;
    /** Per engine of the parameters: this step's lr and bias corrections, FLOAT64 [3], for the kernels to read. */
    final Map<Engine, Tensor> scalars = new IdentityHashMap<>();

    AdamFamily(List<Variable> params, double lr, double beta1, double beta2, double eps) {
        this.params = Params.trainable(params);
        this.lr = Params.nonNegative("learning rate", lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + " and " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = Params.nonNegative("eps", eps);
    }

    /** Allocates the zero moments; called by subclasses once their own arguments are checked. */
    final void allocateMoments() {
        for (Variable p : params) {
            m.add(p.engine().zeros(p.dtype(), p.shape()));
            v.add(p.engine().zeros(p.dtype(), p.shape()));
            scalars.computeIfAbsent(p.engine(), e -> e.zeros(DType.FLOAT64, 3));
        }
    }

    /** Counts a step and writes its lr and bias corrections where the update kernels read them. */
    final void countStep() {
        stepCount++;
        double[] values = Backend.adamScalars(lr, beta1, beta2, stepCount);
        for (Tensor s : scalars.values()) s.copyFromInPlace(values);
    }

    @Override
    public void zeroGrad() {
        for (Variable p : params) p.zeroGrad();
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = Params.nonNegative("learning rate", lr);
    }

    /**
     * Updates taken so far (the bias correction depends on it).
     *
     * @return the count
     */
    public int stepCount() {
        return stepCount;
    }

    /**
     * For resuming from a checkpoint, together with the moments.
     *
     * @param steps the updates already taken, at least 0
     */
    public void setStepCount(int steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        this.stepCount = steps;
    }

    /**
     * Adam's first moment (the running mean of the gradient) of one parameter, for checkpoints.
     *
     * @param paramIndex the parameter's position in the list given to the constructor
     * @return the moment, owned by this optimizer
     */
    public Tensor firstMoment(int paramIndex) {
        return m.get(paramIndex);
    }

    /**
     * Adam's second moment (the running mean of the squared gradient) of one parameter, for
     * checkpoints.
     *
     * @param paramIndex the parameter's position in the list given to the constructor
     * @return the moment, owned by this optimizer
     */
    public Tensor secondMoment(int paramIndex) {
        return v.get(paramIndex);
    }

    /**
     * The parameters this optimizer updates, in the order given.
     *
     * @return the list
     */
    public List<Variable> parameters() {
        return params;
    }

    @Override
    public void close() {
        for (Tensor t : m) t.close();
        for (Tensor t : v) t.close();
        for (Tensor t : scalars.values()) t.close();
    }
}
