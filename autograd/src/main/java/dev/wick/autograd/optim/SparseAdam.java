package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.SparseRows;

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
 * exposed for checkpoints, as Adam's.
 */
public final class SparseAdam extends AdamFamily {

    /**
     * Lazy Adam with PyTorch's defaults: betas 0.9 and 0.999, eps 1e-8.
     *
     * @param params the row-sparse parameters updated
     * @param lr the learning rate
     */
    public SparseAdam(List<Variable> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8);
    }

    /**
     * Lazy Adam with every constant given.
     *
     * @param params the row-sparse parameters updated, each of rank 2
     * @param lr the learning rate
     * @param beta1 the first moment's decay
     * @param beta2 the second moment's decay
     * @param eps added to the second moment's root
     */
    public SparseAdam(List<Variable> params, double lr, double beta1, double beta2, double eps) {
        super(params, lr, beta1, beta2, eps);
        for (Variable p : this.params) {
            if (p.shape().rank() != 2) {
                throw new IllegalArgumentException("SparseAdam updates [V, D] tables; " + Params.describe(p)
                        + " has shape " + p.shape());
            }
        }
        allocateMoments();
    }

    @Override
    public void advance() {
        for (Variable p : params) {
            if (!p.hasSparseGrad() && p.hasGrad()) {
                throw new IllegalStateException("SparseAdam takes row-sparse gradients only, and "
                        + Params.describe(p) + " has a dense one: train it with Adam (F.embedding(..., sparse = true)"
                        + " gives a row-sparse gradient)");
            }
        }
        countStep();
    }

    @Override
    public void update() {
        if (stepCount == 0) throw new IllegalStateException("SparseAdam's update before its first advance()");
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            SparseRows grad = p.sparseGrad();
            if (grad == null) continue; // nothing looked up since the last zeroGrad
            p.value().sparseAdamUpdateInPlace(grad, m.get(i), v.get(i), scalars.get(p.engine()), beta1, beta2, eps);
        }
    }
}
