package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.SparseRows;
import dev.wick.core.Tensor;

import java.util.List;

/** Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when the global L2 norm over all of them
     * exceeds maxNorm. Returns the norm before clipping. Reads one number per parameter back to the
     * host: the decision is made there. A row-sparse gradient counts and is scaled through its
     * values alone (its padding is zeros), never as a dense V x D table.
     *
     * @param params the parameters whose gradients are scaled (those without a gradient are
     *     skipped)
     * @param maxNorm the largest global norm left
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(List<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
        double squared = 0;
        for (Variable p : params) {
            SparseRows sparse = p.sparseGrad();
            Tensor dense = sparse == null ? p.grad() : null;
            if (sparse == null && dense == null) continue;
            try (Tensor s = sparse != null ? sparse.squaredNorm() : dense.squaredNorm()) {
                squared += s.item();
            }
        }
        double norm = Math.sqrt(squared);
        if (norm > maxNorm) {
            double factor = maxNorm / (norm + 1e-6);
            for (Variable p : params) {
                if (p.hasSparseGrad()) p.sparseGrad().scaleInPlace(factor);
                else if (p.grad() != null) p.grad().scaleInPlace(factor);
            }
        }
        return norm;
    }
}
