package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.SparseRows;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Lazy Adam for row-sparse gradients, as PyTorch's torch.optim.SparseAdam: each step updates the
 * moments and the values of the rows the gradient holds and leaves every other row (its moments
 * included) as it was, so a step costs the rows a batch touched, not the whole table. One step
 * counter serves the bias correction of every row, as in PyTorch; no weight decay (PyTorch's has
 * none either).
 *
 * <p>Like PyTorch's, it refuses a dense gradient (a parameter that is not a sparse embedding's, or a
 * sparse one that also took a dense contribution, such as a tied output layer): train those with
 * {@link Adam}, a second optimizer over the other parameters. A parameter with no gradient since the
 * last zeroGrad is skipped. Moments are allocated in the constructor (dense, as the table) and
 * exposed for checkpoints.
 */
public final class SparseAdam implements Optimizer {
    private final List<Variable> params;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private double lr;
    private int stepCount;

    public SparseAdam(List<Variable> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8);
    }

    public SparseAdam(List<Variable> params, double lr, double beta1, double beta2, double eps) {
        this.params = Params.trainable(params);
        this.lr = Params.nonNegative("learning rate", lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + " and " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = Params.nonNegative("eps", eps);
        for (Variable p : this.params) {
            if (p.shape().rank() != 2) {
                throw new IllegalArgumentException("SparseAdam updates [V, D] tables; " + Params.describe(p)
                        + " has shape " + p.shape());
            }
            m.add(p.engine().zeros(p.dtype(), p.shape()));
            v.add(p.engine().zeros(p.dtype(), p.shape()));
        }
    }

    @Override
    public void step() {
        for (Variable p : params) {
            if (!p.hasSparseGrad() && p.hasGrad()) {
                throw new IllegalStateException("SparseAdam takes row-sparse gradients only, and "
                        + Params.describe(p) + " has a dense one: train it with Adam (F.embedding(..., sparse = true)"
                        + " gives a row-sparse gradient)");
            }
        }
        stepCount++;
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            SparseRows grad = p.sparseGrad();
            if (grad == null) continue; // nothing looked up since the last zeroGrad
            p.value().sparseAdamUpdateInPlace(grad, m.get(i), v.get(i), lr, beta1, beta2, eps, stepCount);
        }
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

    /** Updates taken so far (the bias correction depends on it). */
    public int stepCount() {
        return stepCount;
    }

    /** For resuming from a checkpoint, together with the moments. */
    public void setStepCount(int steps) {
        if (steps < 0) throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        this.stepCount = steps;
    }

    public Tensor firstMoment(int paramIndex) {
        return m.get(paramIndex);
    }

    public Tensor secondMoment(int paramIndex) {
        return v.get(paramIndex);
    }

    public List<Variable> parameters() {
        return params;
    }

    @Override
    public void close() {
        for (Tensor t : m) t.close();
        for (Tensor t : v) t.close();
    }
}
