package dev.wick.lm.train;

import dev.wick.autograd.Variable;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.Optimizer;
import dev.wick.autograd.optim.SparseAdam;
import dev.wick.autograd.optim.Sgd;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's optimizer by parameter name. SGD takes dense and row-sparse gradients alike; with Adam,
 * parameters with row-sparse gradients (a sparse embedding) go to SparseAdam, the lazy Adam that
 * moves only the rows a step looked up, and the rest to Adam, the two stepping together (one step
 * count) as PyTorch's word-level recipe pairs them. Adam's moments are found by parameter name
 * for the checkpoint.
 */
final class ModelOptimizer implements Optimizer {
    private final OptimizerKind kind;
    private final List<Optimizer> parts = new ArrayList<>();
    private final Map<String, Tensor[]> moments = new LinkedHashMap<>();
    private final List<Adam> denseAdam = new ArrayList<>();
    private final List<SparseAdam> sparseAdam = new ArrayList<>();

    ModelOptimizer(OptimizerKind kind, Map<String, Variable> parameters, Set<String> sparse, double lr) {
        this.kind = kind;
        if (kind == OptimizerKind.SGD) {
            parts.add(new Sgd(new ArrayList<>(parameters.values()), lr));
            return;
        }
        List<String> denseNames = new ArrayList<>(), sparseNames = new ArrayList<>();
        for (String name : parameters.keySet()) (sparse.contains(name) ? sparseNames : denseNames).add(name);
        if (!denseNames.isEmpty()) {
            Adam adam = new Adam(select(parameters, denseNames), lr, OptimizerKind.BETA1, OptimizerKind.BETA2,
                    OptimizerKind.EPS, OptimizerKind.WEIGHT_DECAY);
            parts.add(adam);
            denseAdam.add(adam);
            for (int i = 0; i < denseNames.size(); i++) moments.put(denseNames.get(i), new Tensor[]{adam.firstMoment(i), adam.secondMoment(i)});
        }
        if (!sparseNames.isEmpty()) {
            SparseAdam adam = new SparseAdam(select(parameters, sparseNames), lr, OptimizerKind.BETA1, OptimizerKind.BETA2,
                    OptimizerKind.EPS);
            parts.add(adam);
            sparseAdam.add(adam);
            for (int i = 0; i < sparseNames.size(); i++) moments.put(sparseNames.get(i), new Tensor[]{adam.firstMoment(i), adam.secondMoment(i)});
        }
    }

    private static List<Variable> select(Map<String, Variable> parameters, List<String> names) {
        List<Variable> out = new ArrayList<>();
        for (String n : names) out.add(parameters.get(n));
        return out;
    }

    boolean isAdam() {
        return kind == OptimizerKind.ADAM;
    }

    /** Adam's first and second moment of the parameter {@code name} (Adam only). */
    Tensor[] moments(String name) {
        Tensor[] m = moments.get(name);
        if (m == null) throw new IllegalArgumentException("no Adam moments for parameter '" + name + "'");
        return m;
    }

    /** Adam's step count (the bias correction's t). */
    int adamSteps() {
        return !denseAdam.isEmpty() ? denseAdam.get(0).stepCount() : sparseAdam.get(0).stepCount();
    }

    void setAdamSteps(int steps) {
        for (Adam a : denseAdam) a.setStepCount(steps);
        for (SparseAdam a : sparseAdam) a.setStepCount(steps);
    }

    @Override
    public void advance() {
        for (Optimizer o : parts) o.advance();
    }

    @Override
    public void update() {
        for (Optimizer o : parts) o.update();
    }

    @Override
    public void zeroGrad() {
        for (Optimizer o : parts) o.zeroGrad();
    }

    @Override
    public double learningRate() {
        return parts.get(0).learningRate();
    }

    @Override
    public void setLearningRate(double lr) {
        for (Optimizer o : parts) o.setLearningRate(lr);
    }

    @Override
    public void close() {
        for (Optimizer o : parts) o.close();
    }
}
