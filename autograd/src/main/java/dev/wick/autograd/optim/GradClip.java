package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.SparseRows;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when the global L2 norm over all of them
     * exceeds maxNorm. Returns the norm before clipping. The decision is made on the host: the
     * parameters' squared norms come back in one read (one wait for the device, not one per
     * parameter) and are added in double, in parameter order. A row-sparse gradient counts and is
     * scaled through its values alone (its padding is zeros), never as a dense V x D table.
     *
     * @param params the parameters whose gradients are scaled (those without a gradient are
     *     skipped)
     * @param maxNorm the largest global norm left
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(List<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
        List<Tensor> squares = new ArrayList<>();
        double squared = 0;
        try {
            for (Variable p : params) {
                SparseRows sparse = p.sparseGrad();
                Tensor dense = sparse == null ? p.grad() : null;
                if (sparse == null && dense == null) continue;
                squares.add(sparse != null ? sparse.squaredNorm() : dense.squaredNorm());
            }
            for (double s : readAll(squares)) squared += s;
        } finally {
            for (Tensor s : squares) s.close();
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

    /**
     * The values of scalar tensors, in order: stacked on their device and read back at once where
     * they share an engine and a dtype (the usual case), else one by one.
     */
    private static double[] readAll(List<Tensor> scalars) {
        if (scalars.isEmpty()) return new double[0];
        Tensor first = scalars.get(0);
        boolean together = scalars.stream().allMatch(s -> s.engine() == first.engine() && s.dtype() == first.dtype());
        if (together) {
            try (Tensor all = Tensor.stack(0, scalars.toArray(new Tensor[0]))) {
                return all.toDoubleArray();
            }
        }
        return scalars.stream().mapToDouble(Tensor::item).toArray();
    }
}
