package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

import java.util.List;

/** Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when the global L2 norm over all of them
     * exceeds maxNorm. Returns the norm before clipping. Reads one number per parameter back to the
     * host: the decision is made there.
     */
    public static double clipGlobalNorm(List<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
        double squared = 0;
        for (Variable p : params) {
            if (p.grad() == null) continue;
            try (Tensor s = p.grad().squaredNorm()) {
                squared += s.item();
            }
        }
        double norm = Math.sqrt(squared);
        if (norm > maxNorm) {
            double factor = maxNorm / (norm + 1e-6);
            for (Variable p : params) {
                if (p.grad() != null) p.grad().scaleInPlace(factor);
            }
        }
        return norm;
    }
}
