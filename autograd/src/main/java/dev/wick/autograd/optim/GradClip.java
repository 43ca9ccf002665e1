package dev.wick.autograd.optim;

import dev.wick.autograd.Variable;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.SparseRows;
import dev.wick.core.Tensor;
import dev.wick.core.ops.BinaryOp;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_ (which also always multiplies by the clamped factor). */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales every gradient by min(1, maxNorm / (norm + 1e-6)), norm being the global L2 norm over
     * all of them, as torch.nn.utils.clip_grad_norm_ does, and returns that norm. The norm and the
     * factor are computed as {@link #clipGlobalNormOnDevice} computes them and read back together
     * (one wait for the device); the gradients are then multiplied only where the factor is below
     * 1, which gives the same bits as multiplying by exactly 1 and skips a pass over every gradient
     * in the usual unclipped step.
     *
     * @param params the parameters whose gradients are scaled (those without a gradient are
     *     skipped); all on one engine
     * @param maxNorm the largest global norm left
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(List<Variable> params, double maxNorm) {
        Engine engine = engineOf(params, maxNorm);
        try (Scope scope = engine.scope()) {
            Tensor[] normAndFactor = normAndFactor(params, maxNorm, engine);
            // Converted before the read, scaling or not: every step then takes the same memory.
            Map<DType, Tensor> factors = factorsByDType(params, normAndFactor[1]);
            double[] read = Tensor.stack(0, normAndFactor).toDoubleArray();
            if (read[1] < 1) scale(params, factors);
            return read[0];
        }
    }

    /**
     * {@link #clipGlobalNorm} without leaving the device: the squared norms are summed in float64
     * there, the factor min(1, maxNorm / (norm + 1e-6)) computed there and every gradient multiplied
     * by it (by exactly 1 when the norm is below maxNorm), so nothing waits for the device and a
     * training step that clips can be captured as a device graph. A row-sparse gradient counts and
     * is scaled through its values alone (its padding is zeros), never as a dense V x D table.
     *
     * @param params the parameters whose gradients are scaled (those without a gradient are
     *     skipped); all on one engine
     * @param maxNorm the largest global norm left
     * @return the global norm before clipping, a FLOAT64 scalar on the parameters' engine (0 when no
     *     parameter has a gradient), the caller's to close
     * @throws IllegalArgumentException if maxNorm is not positive, params is empty or spans engines
     */
    public static Tensor clipGlobalNormOnDevice(List<Variable> params, double maxNorm) {
        Engine engine = engineOf(params, maxNorm);
        try (Scope scope = engine.scope()) {
            Tensor[] normAndFactor = normAndFactor(params, maxNorm, engine);
            scale(params, factorsByDType(params, normAndFactor[1]));
            return scope.keep(normAndFactor[0]);
        }
    }

    private static Engine engineOf(List<Variable> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
        if (params.isEmpty()) throw new IllegalArgumentException("no parameters to clip");
        Engine engine = params.get(0).engine();
        for (Variable p : params) {
            if (p.engine() != engine) {
                throw new IllegalArgumentException("clipGlobalNorm: " + Params.describe(p) + " lives on " + p.engine()
                        + ", the first parameter on " + engine + "; clip each engine's parameters separately");
            }
        }
        return engine;
    }

    /** The global norm and the clip factor, FLOAT64 scalars in the caller's scope. */
    private static Tensor[] normAndFactor(List<Variable> params, double maxNorm, Engine engine) {
        List<Tensor> squares = new ArrayList<>();
        for (Variable p : params) {
            SparseRows sparse = p.sparseGrad();
            Tensor dense = sparse == null ? p.grad() : null;
            if (sparse == null && dense == null) continue;
            Tensor square = sparse != null ? sparse.squaredNorm() : dense.squaredNorm();
            squares.add(square.dtype() == DType.FLOAT64 ? square : square.to(DType.FLOAT64));
        }
        Tensor norm = squares.isEmpty() ? engine.zeros(DType.FLOAT64)
                : Tensor.stack(0, squares.toArray(new Tensor[0])).sum().sqrt();
        Tensor factor = norm.add(1e-6).applyScalarFirst(BinaryOp.DIV, maxNorm).minimum(1.0);
        return new Tensor[]{norm, factor};
    }

    /** The factor (FLOAT64) rounded once to each dtype of the gradients. */
    private static Map<DType, Tensor> factorsByDType(List<Variable> params, Tensor factor) {
        Map<DType, Tensor> factors = new EnumMap<>(DType.class);
        factors.put(DType.FLOAT64, factor);
        for (Variable p : params) {
            Tensor values = gradientValues(p);
            if (values != null) factors.computeIfAbsent(values.dtype(), factor::to);
        }
        return factors;
    }

    /** Multiplies every gradient by the factor of its dtype. */
    private static void scale(List<Variable> params, Map<DType, Tensor> factors) {
        for (Variable p : params) {
            Tensor values = gradientValues(p);
            if (values != null) values.applyInPlace(BinaryOp.MUL, factors.get(values.dtype()));
        }
    }

    /** A dense gradient, or a row-sparse one's values; null without a gradient. */
    private static Tensor gradientValues(Variable p) {
        return p.hasSparseGrad() ? p.sparseGrad().values() : p.grad();
    }
}
