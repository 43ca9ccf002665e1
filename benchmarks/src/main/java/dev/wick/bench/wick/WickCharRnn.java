package dev.wick.bench.wick;

import dev.wick.autograd.Tape;
import dev.wick.autograd.Variable;
import dev.wick.autograd.nn.CharRnn;
import dev.wick.autograd.optim.Adam;
import dev.wick.autograd.optim.GradClip;
import dev.wick.bench.CharRnnProblem;
import dev.wick.bench.Workload;
import dev.wick.core.DType;
import dev.wick.core.Engine;
import dev.wick.core.Scope;
import dev.wick.core.Tensor;

import java.util.List;

/**
 * The char-RNN training step with Wick's CharRnn model (its RNN is F.rnnTanh, one composite tape
 * node), global-norm clipping and Adam, each step in its own memory scope, as wick-lm trains.
 */
final class WickCharRnn implements Workload {
    private final Engine engine;
    private final CharRnnProblem p;
    private final CharRnn model;
    private final List<Variable> params;
    private final Adam adam;

    WickCharRnn(Engine engine, CharRnnProblem p) {
        this.engine = engine;
        this.p = p;
        model = new CharRnn(engine, DType.FLOAT32, p.vocab(), p.embed(), p.hidden(), 1);
        CharRnnProblem.Weights w = p.weights();
        load(model.embedding().weight(), w.embedding());
        load(model.weightIH(), w.weightIH());
        load(model.weightHH(), w.weightHH());
        load(model.bias(), w.bias());
        load(model.head().weight(), w.headWeight());
        load(model.head().bias(), w.headBias());
        params = model.parameters();
        adam = new Adam(params, p.learningRate());
    }

    private void load(Variable param, float[] values) {
        try (Tensor t = engine.fromFloats(values, param.shape().dims())) {
            param.value().copyFromInPlace(t);
        }
    }

    /** One step; returns the loss (read back only when asked: reading waits for the device). */
    private double step(boolean readLoss) {
        try (Scope scope = engine.scope(); Tape tape = Tape.record()) {
            // A fresh batch arrives every step: the upload is part of it.
            Tensor inputs = engine.fromInts(p.inputs(), p.steps(), p.batch());
            Tensor targets = engine.fromInts(p.targets(), p.tokens());
            adam.zeroGrad();
            Variable loss = model.loss(inputs, targets, null);
            double value = readLoss ? loss.value().item() : Double.NaN;
            tape.backward(loss);
            GradClip.clipGlobalNorm(params, p.clipNorm());
            adam.step();
            engine.backend().synchronize();
            return value;
        }
    }

    @Override
    public void run() {
        step(false);
    }

    @Override
    public float[] result() {
        return new float[]{(float) step(true)};
    }

    @Override
    public void close() {
        adam.close();
        model.close();
    }
}
