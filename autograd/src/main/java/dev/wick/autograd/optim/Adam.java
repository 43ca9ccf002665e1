package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Adam with bias correction, as in PyTorch's torch.optim.Adam (weight decay is L2, added to the
 * gradient). Moments are allocated in the constructor, so create the optimizer where the
 * parameters live (outside per-step scopes). They are exposed for checkpoints. A row-sparse
 * gradient is refused (as PyTorch's Adam does): {@link SparseAdam} is the optimizer for those.
 */
public final class Adam implements Optimizer {
    private final List<Variable> params;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private double lr;
    private int stepCount;

    public Adam(List<Variable> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.0);
    }

    public Adam(List<Variable> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.params = Params.trainable(params);
        this.lr = Params.nonNegative("learning rate", lr);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + " and " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = Params.nonNegative("eps", eps);
        this.weightDecay = Params.nonNegative("weight decay", weightDecay);
        for (Variable p : this.params) {
            m.add(p.engine().zeros(p.dtype(), p.shape()));
            v.add(p.engine().zeros(p.dtype(), p.shape()));
        }
    }

    @Override
    public void step() {
        for (Variable p : params) {
            if (p.hasSparseGrad()) { // as PyTorch's Adam: densifying V x D every step is what SparseAdam avoids
                throw new IllegalStateException("Adam does not take the row-sparse gradient of " + Params.describe(p)
                        + ": use SparseAdam for it (or a dense embedding)");
            }
        }
        stepCount++;
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            Tensor grad = p.grad();
            if (grad == null) continue; // a sparse parameter no backward has reached
            p.value().adamUpdateInPlace(grad, m.get(i), v.get(i), lr, beta1, beta2, eps, weightDecay, stepCount);
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
