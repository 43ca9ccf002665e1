package dev.wick.autograd.optim;

import dev.wick.core.DType;
import dev.wick.core.Engine;
import java.util.IdentityHashMap;
import java.util.Map;

import dev.wick.autograd.Variable;
import dev.wick.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, as in PyTorch. A
 * row-sparse gradient (a sparse embedding's) updates only the rows it holds, weight decay included
 * (lazily: an untouched row does not decay); with momentum such a gradient is refused, since a
 * momentum buffer would move every row it ever touched on every step.
 */
public final class Sgd implements Optimizer {
    private final List<Variable> params;
    private final List<Tensor> velocity; // empty without momentum
    private final double momentum;
    private final double weightDecay;
    private double lr;
    /** Per engine of the parameters: the learning rate, FLOAT64 [1], for the dense update kernels to read. */
    private final Map<Engine, Tensor> lrOnDevice = new IdentityHashMap<>();
    /** The value last written there (NaN: none yet). */
    private double lrWritten = Double.NaN;

    /**
     * Plain SGD: no momentum, no weight decay.
     *
     * @param params the parameters updated
     * @param lr the learning rate
     */
    public Sgd(List<Variable> params, double lr) {
        this(params, lr, 0.0, 0.0);
    }

    /**
     * SGD with momentum and weight decay as given.
     *
     * @param params the parameters updated
     * @param lr the learning rate
     * @param momentum the momentum factor (0 for none)
     * @param weightDecay the L2 penalty's factor (0 for none)
     */
    public Sgd(List<Variable> params, double lr, double momentum, double weightDecay) {
        this.params = Params.trainable(params);
        this.lr = Params.nonNegative("learning rate", lr);
        this.momentum = Params.nonNegative("momentum", momentum);
        this.weightDecay = Params.nonNegative("weight decay", weightDecay);
        this.velocity = new ArrayList<>();
        if (momentum > 0) {
            for (Variable p : this.params) velocity.add(p.engine().zeros(p.dtype(), p.shape()));
        }
        for (Variable p : this.params) lrOnDevice.computeIfAbsent(p.engine(), e -> e.zeros(DType.FLOAT64, 1));
    }

    @Override
    public void advance() {
        if (!velocity.isEmpty()) {
            for (Variable p : params) {
                if (p.hasSparseGrad()) {
                    throw new IllegalStateException("Sgd with momentum does not take the row-sparse gradient of "
                            + Params.describe(p) + ": use momentum 0, or a dense embedding");
                }
            }
        }
        if (Double.doubleToLongBits(lr) != Double.doubleToLongBits(lrWritten)) {
            for (Tensor t : lrOnDevice.values()) t.copyFromInPlace(new double[]{lr});
            lrWritten = lr;
        }
    }

    @Override
    public void update() {
        if (Double.isNaN(lrWritten)) throw new IllegalStateException("Sgd's update before its first advance()");
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            if (p.hasSparseGrad()) {
                p.value().sparseSgdUpdateInPlace(p.sparseGrad(), lrOnDevice.get(p.engine()), weightDecay);
                continue;
            }
            Tensor grad = p.grad();
            if (grad == null) continue; // a sparse parameter no backward has reached
            p.value().sgdUpdateInPlace(grad, velocity.isEmpty() ? null : velocity.get(i), lrOnDevice.get(p.engine()),
                    momentum, weightDecay);
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

    /**
     * The momentum buffer of parameter i (for checkpoints); IllegalStateException without momentum.
     *
     * @param i the parameter's position in the list given to the constructor
     * @return the buffer, owned by this optimizer
     */
    public Tensor velocity(int i) {
        if (velocity.isEmpty()) throw new IllegalStateException("this SGD has no momentum");
        return velocity.get(i);
    }

    @Override
    public void close() {
        for (Tensor t : velocity) t.close();
        for (Tensor t : lrOnDevice.values()) t.close();
    }
}
