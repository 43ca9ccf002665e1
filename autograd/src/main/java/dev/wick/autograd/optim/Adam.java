package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

import java.util.List;

/**
 * Adam with bias correction, as in PyTorch's torch.optim.Adam (weight decay is L2, added to the
 * gradient). Moments are allocated in the constructor, so create the optimizer where the
 * parameters live (outside per-step scopes). They are exposed for checkpoints. A row-sparse
 * gradient is refused (as PyTorch's Adam does): {@link SparseAdam} is the optimizer for those.
 */
public final class Adam extends AdamFamily {
    private final double weightDecay;

    /**
     * Adam with PyTorch's defaults: betas 0.9 and 0.999, eps 1e-8, no weight decay.
     *
     * @param params the parameters updated
     * @param lr the learning rate
     */
    public Adam(List<Variable> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.0);
    }

    /**
     * Adam with every constant given.
     *
     * @param params the parameters updated
     * @param lr the learning rate
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps added to the second moment's root
     * @param weightDecay the L2 penalty's factor (0 for none)
     */
    public Adam(List<Variable> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, lr, beta1, beta2, eps);
        this.weightDecay = Params.nonNegative("weight decay", weightDecay);
        allocateMoments();
    }

    @Override
    public void advance() {
        for (Variable p : params) {
            if (p.hasSparseGrad()) { // as PyTorch's Adam: densifying V x D every step is what SparseAdam avoids
                throw new IllegalStateException("Adam does not take the row-sparse gradient of " + Params.describe(p)
                        + ": use SparseAdam for it (or a dense embedding)");
            }
        }
        countStep();
    }

    @Override
    public void update() {
        if (stepCount == 0) throw new IllegalStateException("Adam's update before its first advance()");
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            Tensor grad = p.grad();
            if (grad == null) continue; // a sparse parameter no backward has reached
            p.value().adamUpdateInPlace(grad, m.get(i), v.get(i), scalars.get(p.engine()), beta1, beta2, eps, weightDecay);
        }
    }
}
